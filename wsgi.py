"""WSGI entry point: `gunicorn wsgi:app`."""

from training import create_app

app = create_app()
