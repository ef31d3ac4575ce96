"""The Celery worker's entry point: `celery -A training.celery_worker worker`.

The worker builds its Flask app explicitly here, never as a side effect of importing
the package.
"""

from training import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
