"""The audit log viewer: filter by object, actor, action and date; export as CSV."""

from training.admin.views import bp  # noqa: F401
