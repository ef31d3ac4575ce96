"""Import every model so that metadata is complete (for Alembic and `create_all`), with its triggers."""

from training.accounts.models import ApiToken, User, UserRole  # noqa: F401
from training.attendance import totals  # noqa: F401  (the triggers keeping attendance totals)
from training.attendance.models import AttendanceMark, SlotSignoff  # noqa: F401
from training.audit.models import AuditEntry  # noqa: F401
from training.catalogue.models import Course, CourseSession, Slot  # noqa: F401
from training.certificates.models import Certificate  # noqa: F401
from training.enrolment.models import Enrolment  # noqa: F401
from training.outbox import OutboxMessage  # noqa: F401
from training.surveys.models import SurveyResponse  # noqa: F401
