"""Languages and time zones: Flask-Babel with French and English."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user

from training.extensions import babel


def select_locale() -> str:
    """The user's saved language, else the session's choice, else the browser's, else French.

    Outside a request (the command line) it is English.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return "en"  # command-line output; emails choose their language with force_locale
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    """Wire Flask-Babel with the locale selector and Paris time."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
