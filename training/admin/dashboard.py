"""The training office's dashboard: what needs an admin today, and charts."""

from training.admin.views import bp  # noqa: F401
