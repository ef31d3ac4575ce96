"""The home page: each person's shortcuts to their work."""

from __future__ import annotations

from flask import render_template

from training.site.blueprint import bp


@bp.get("/")
def home():
    """Send each person to their work: public welcome, learner, trainer or admin shortcuts."""
    return render_template("site/home.html")
