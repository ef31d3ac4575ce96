"""Do the sign-up's and the password reset's answer times tell whether an address has an account?

Signs up (then asks for a reset link) N times with addresses that have accounts and N times with
unknown ones, interleaved (known, unknown, known, ...), through the app in-process on a SQLite
file with emails written to the log (a broker would take them off the request), and prints the
median time of each and their difference. The goal is a difference under 10 ms (issue 15).

    .venv/bin/python -m bench.signup_timing [--rounds 50]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

PASSWORD = "Vecteur lentiviral, salle blanche & capside 2026"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main() -> None:
    """Print the medians of N known and N new sign-ups and the difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds

    from flask_migrate import upgrade

    from training import create_app
    from training.accounts.services import create_user
    from training.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            "test",
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite'}",
                "MAIL_BACKEND": "log",
                "LOG_LEVEL": "WARNING",
                "RATELIMIT_ENABLED": False,
            },
        )
        with app.app_context():
            upgrade()
            for n in range(rounds):
                create_user(
                    None,
                    email=f"known{n}@example.org",
                    name="Known",
                    password=PASSWORD,
                    organisation="",
                    category="student",
                    locale="fr",
                    confirmed=True,
                    action="bench",
                )
            db.session.commit()
        client = app.test_client()
        for form, url in (("sign-up", "/sign-up"), ("reset", "/forgot-password")):
            times = _measure(client, url, rounds)
            known, new = statistics.median(times["known"]), statistics.median(times["new"])
            print(
                f"{form}, {rounds} each, interleaved: known address median {known:.1f} ms, "
                f"unknown address median {new:.1f} ms, difference {abs(known - new):.1f} ms (goal: under 10 ms)"
            )


def _measure(client, url: str, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"known": [], "new": []}
    for n in range(rounds):
        for kind in ("known", "new"):
            token = CSRF.search(client.get(url).get_data(as_text=True)).group(1)
            data = {
                "email": f"{kind}{n}@example.org",
                "name": "Bench",
                "organisation": "",
                "category": "student",
                "locale": "fr",
                "password": PASSWORD,
                "confirm": PASSWORD,
                "csrf_token": token,
            }
            if url == "/forgot-password":
                data = {"email": f"{kind}{n}@example.org".replace("new", "nobody"), "csrf_token": token}
            started = time.perf_counter()
            response = client.post(url, data=data)
            times[kind].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 302, response.status_code
    return times


if __name__ == "__main__":
    main()
