"""The Celery app of `training.celery_worker`, with the visibility timeout CELERY_VISIBILITY_TIMEOUT.

With the Redis broker, a message a worker took but never acknowledged (acks_late) stays in
Redis's `unacked` hash; a worker puts it back in the queue once it is older than the
visibility timeout, an hour by default. config.py has no setting for it yet, so the
killed-worker test sets it here, through Celery's own configuration, before the worker
connects:

    CELERY_VISIBILITY_TIMEOUT=20 celery -A tests.production.short_visibility_worker:celery_app worker
"""

import os

from training.celery_worker import celery_app, flask_app  # noqa: F401  (the worker's app, built from the env)

celery_app.conf.broker_transport_options = {
    "visibility_timeout": int(os.environ["CELERY_VISIBILITY_TIMEOUT"]),
    # Look for expired messages every second rather than every 10 x 10 seconds.
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
