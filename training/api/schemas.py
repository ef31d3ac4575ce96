"""Pydantic models of the API: they validate what comes in, shape what goes out, and give
the OpenAPI document its schemas, so the document and the responses cannot drift apart."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from training.attendance.models import MarkMethod, MarkStatus, SignatureDevice, SignatureMethod
from training.catalogue.models import CourseFormat, CourseStatus, Level, SessionStatus, Track
from training.certificates.models import CertificateStatus
from training.enrolment.models import EnrolmentStatus

Text = Annotated[str, StringConstraints(max_length=20_000)]
ShortText = Annotated[str, StringConstraints(max_length=300)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=120)]
Language = Literal["fr", "en"]
# Instants of the training calendar: year 1 or 9999 is a slip, and overflows time zone maths.
CalendarDatetime = Annotated[
    AwareDatetime, Field(ge=datetime(2000, 1, 1, tzinfo=UTC), lt=datetime(2101, 1, 1, tzinfo=UTC))
]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SlotOut(Out):
    id: int
    starts_at: datetime
    ends_at: datetime
    hours: float


class SessionSummary(Out):
    id: int
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    seats_left: int
    enrolment_deadline: datetime
    cancellation_deadline: datetime
    approval_required: bool
    status: SessionStatus
    url: str


class SessionOut(SessionSummary):
    course: str = Field(description="The course's slug")
    waitlist_length: int
    trainers: list[str]
    hours: float
    slots: list[SlotOut]


class CourseSummary(Out):
    slug: str
    title: str
    track: Track
    level: Level
    language: Language
    format: CourseFormat
    summary: str
    duration_hours: float
    price_eur: float
    url: str
    next_session: SessionSummary | None


class Results(BaseModel):
    survey_responses: int | None = None
    satisfaction_mean: float | None = None
    satisfaction_rate: int | None = Field(None, description="% of answers rating 4 or 5 out of 5")
    completion_learners: int | None = None
    completion_rate: int | None = Field(None, description="% of confirmed learners who reached the threshold")


class CourseOut(CourseSummary):
    objectives: list[str]
    prerequisites: str
    audience: str
    teaching_methods: str
    assessment: str
    accessibility: str
    contact: str
    access_delay: str
    attendance_threshold: float
    version: int
    status: CourseStatus
    results: Results
    sessions: list[SessionOut]


class Links(BaseModel):
    self: str
    next: str | None
    prev: str | None


class CourseList(BaseModel):
    items: list[CourseSummary]
    total: int
    page: int
    per_page: int
    pages: int
    links: Links


class CourseFields(BaseModel):
    """Fields of a course that a client may send."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    track: Track
    level: Level
    language: Language
    format: CourseFormat
    summary: Text
    objectives: Text
    duration_hours: Annotated[Decimal, Field(gt=0, le=1000, max_digits=6, decimal_places=2)]
    price_eur: Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=10, decimal_places=2)] = Decimal("0")
    prerequisites: Text = ""
    audience: Text = ""
    teaching_methods: Text = ""
    assessment: Text = ""
    accessibility: Text = ""
    contact: ShortText = ""
    access_delay: ShortText = ""
    attendance_threshold: Annotated[Decimal, Field(gt=0, le=1, max_digits=3, decimal_places=2)] = Decimal("0.80")


class CourseIn(CourseFields):
    slug: Slug
    status: CourseStatus = CourseStatus.DRAFT


class CoursePatch(BaseModel):
    """Any subset of a course's fields."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(min_length=3, max_length=200)] | None = None
    track: Track | None = None
    level: Level | None = None
    language: Language | None = None
    format: CourseFormat | None = None
    summary: Text | None = None
    objectives: Text | None = None
    duration_hours: Annotated[Decimal, Field(gt=0, le=1000, max_digits=6, decimal_places=2)] | None = None
    price_eur: Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=10, decimal_places=2)] | None = None
    prerequisites: Text | None = None
    audience: Text | None = None
    teaching_methods: Text | None = None
    assessment: Text | None = None
    accessibility: Text | None = None
    contact: ShortText | None = None
    access_delay: ShortText | None = None
    attendance_threshold: Annotated[Decimal, Field(gt=0, le=1, max_digits=3, decimal_places=2)] | None = None
    status: CourseStatus | None = None


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: CalendarDatetime
    ends_at: CalendarDatetime


class SessionIn(BaseModel):
    """A session to schedule, with its half-day slots (past dates are accepted)."""

    model_config = ConfigDict(extra="forbid")

    place: Annotated[str, StringConstraints(min_length=2, max_length=300)]
    capacity: Annotated[int, Field(ge=1, le=10_000)]
    trainers: Annotated[list[EmailStr], Field(max_length=20)] = []
    slots: Annotated[list[SlotIn], Field(min_length=1, max_length=200)]
    enrolment_deadline: CalendarDatetime
    cancellation_deadline: CalendarDatetime
    approval_required: bool = False
    what_to_bring: Text = ""


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


class EnrolmentIn(BaseModel):
    """Enrol oneself, or (admins) someone else with `user`."""

    model_config = ConfigDict(extra="forbid")

    acknowledge_prerequisites: bool = False
    user: EmailStr | None = Field(None, description="Admins only: the learner to enrol on their behalf")
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class EnrolmentOut(Out):
    id: int
    status: EnrolmentStatus
    waitlist_position: int | None
    user: str = Field(description="The learner's email")
    course: str = Field(description="The course's slug")
    session: SessionSummary
    created_at: datetime
    url: str


class EnrolmentList(BaseModel):
    items: list[EnrolmentOut]


class SignatureOut(BaseModel):
    """A learner's signature of the half-day: who, when, what it means, and whether it still
    matches the mark (false once the mark changed after signing)."""

    signer: str
    signed_at: datetime
    meaning: str
    method: SignatureMethod
    device: SignatureDevice
    record_hash: str
    intact: bool


class MarkOut(BaseModel):
    enrolment_id: int
    learner: str
    status: MarkStatus | None
    note: str | None
    method: MarkMethod | None
    marked_by: str | None
    marked_at: datetime | None
    checked_in_at: datetime | None
    signature: SignatureOut | None = None


class SlotAttendance(BaseModel):
    slot_id: int
    session_id: int
    starts_at: datetime
    ends_at: datetime
    hours: float
    signed_off_by: str | None
    signed_off_at: datetime | None
    signed_off_meaning: str | None = None
    marks: list[MarkOut]


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: MarkStatus
    note: Annotated[str, StringConstraints(max_length=500)] = ""
    reason: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="Required to change a mark once the half-day is signed off"
    )


class CertificateOut(BaseModel):
    code: str
    serial: str
    version: int
    status: CertificateStatus
    holder: str
    course: str
    course_version: int
    track: Track
    starts_at: datetime
    ends_at: datetime
    hours_attended: float
    hours_scheduled: float
    issued_at: datetime
    revoked_at: datetime | None
    superseded_at: datetime | None
    sha256: str = Field(description="SHA-256 of the issued PDF: an altered file does not match")
    verify_url: str
    download_url: str = Field(description="Needs the holder's (or an admin's) bearer token")


class CertificateList(BaseModel):
    items: list[CertificateOut]


class NotEligible(BaseModel):
    user: str
    hours_attended: float
    hours_required: float
    reason: str


class SessionCertificates(BaseModel):
    issued: list[CertificateOut]
    already_issued: list[CertificateOut]
    not_eligible: list[NotEligible]
