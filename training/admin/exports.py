"""CSV exports of enrolments, attendance and certificates for a session, a course or a period."""

from training.admin.views import bp  # noqa: F401
