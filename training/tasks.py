"""Celery, wired as the Flask documentation shows; tasks run inline without a broker."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask


def init_app(app: Flask) -> Celery[Any]:
    """Create the Celery app bound to `app`; every task runs inside an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
