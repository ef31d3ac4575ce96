"""The app as the benchmarks serve it: the real app plus a bare view to compare against."""

from training import create_app

app = create_app()


@app.get("/_bench/bare")
def bare():
    """The cheapest Flask answer: the yardstick for the real pages."""
    return "ok"
