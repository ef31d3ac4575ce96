"""`flask seed-demo`: fill an empty database with a believable demo catalogue.

Dates are relative to the day the command runs (past, running and future sessions), and
everything else comes from a fixed random seed, so two runs on the same day agree.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Final

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from training import demo_data as data
from training.accounts.models import LearnerCategory, Role, User, UserRole
from training.attendance import signatures
from training.attendance.models import (
    AttendanceMark,
    AttendanceSignature,
    MarkMethod,
    MarkStatus,
    SignatureDevice,
    SignatureMethod,
    SlotSignoff,
)
from training.audit.services import record
from training.catalogue.models import (
    Course,
    CourseFormat,
    CourseSession,
    CourseStatus,
    Level,
    SessionStatus,
    Slot,
    Track,
)
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db
from training.surveys.models import RATING_FIELDS, SurveyResponse
from training.timezones import PARIS

HALF_DAYS = ((time(9, 0), time(12, 30)), (time(13, 30), time(17, 0)))
SLOT_HOURS = Decimal("3.5")
TEXT_FIELDS: Final = ("title", "summary", "objectives", "prerequisites", "audience", "teaching_methods", "assessment")
COUNTED = (User, Course, CourseSession, Slot, Enrolment, AttendanceMark, SlotSignoff, SurveyResponse)
SPECS = {spec["slug"]: spec for spec in data.COURSES}


@dataclass
class Demo:
    """What the builder functions share while the demo is being made."""

    now: datetime
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    admin: User | None = None
    trainers: dict[str, User] = field(default_factory=dict)
    learners: list[User] = field(default_factory=list)
    busy: dict[User, list[tuple[datetime, datetime]]] = field(default_factory=lambda: defaultdict(list))
    rosters: dict[CourseSession, list[Enrolment]] = field(default_factory=dict)
    attended: dict[Enrolment, float] = field(default_factory=dict)
    marks: list[AttendanceMark] = field(default_factory=list)

    @property
    def today(self) -> date:
        """The current date in Paris."""
        return self.now.astimezone(PARIS).date()


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Fill an empty database with demo courses, sessions, people, enrolments and attendance."""
    state = _database_state()
    if state == "seeded":
        click.echo("Demo data already present: nothing was changed.")
        _echo_accounts()
        return
    if state == "other":
        raise click.ClickException(
            "The database already holds data that is not the demo's; seed-demo "
            "only fills an empty database. Nothing was changed."
        )
    now = datetime.now(UTC)
    counts = seed_demo(now)
    db.session.commit()
    counts["certificates"] = issue_demo_certificates(now)
    db.session.commit()
    click.echo("Demo data created: " + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items()))
    _echo_accounts()


def issue_demo_certificates(now: datetime) -> int:
    """Certificates for every ended session but the last, which is left for the admin to issue."""
    from training.certificates.services import issue_pending

    admin = db.session.scalars(sa.select(User).where(User.email == data.ADMIN[1])).one()
    ended = db.session.scalars(
        sa.select(CourseSession)
        .where(CourseSession.ends_at < now, CourseSession.status == SessionStatus.SCHEDULED)
        .order_by(CourseSession.ends_at)
    ).all()
    return sum(len(issue_pending(admin, session)) for session in ended[:-1])


def _database_state() -> str:
    """Whether the demo is "seeded", the database holds "other" data, or is "empty"."""
    if db.session.scalar(sa.select(User.id).where(User.email == data.ADMIN[1])) is not None:
        return "seeded"
    found = [db.session.scalar(sa.select(model.id).limit(1)) for model in (User, Course)]
    return "empty" if found == [None, None] else "other"


def _echo_accounts() -> None:
    """Print the demo accounts: the admin, the trainers and a few learners."""
    rows = [("admin", data.ADMIN[1]), *(("trainer", t[1]) for t in data.TRAINERS.values())]
    rows += [("learner", learner[1]) for learner in data.LEARNERS[:3]]
    width = max(len(email) for _role, email in rows)
    click.echo(f"\n  {'role':<8} {'email':<{width}}  password")
    for role, email in rows:
        click.echo(f"  {role:<8} {email:<{width}}  {data.PASSWORDS[role]}")
    click.echo(f"  ... and {len(data.LEARNERS) - 3} more learners with the learner password.")


def seed_demo(now: datetime) -> dict[str, int]:
    """Add the whole demo to the session (flushed, not committed) and return the row counts."""
    demo = Demo(now=now)
    _add_people(demo)
    courses = {spec["slug"]: _add_course(demo, spec) for spec in data.COURSES}
    for slug, when, capacity, kind in data.SESSIONS:
        _add_session(demo, courses[slug], when, capacity, kind)
    db.session.flush()
    for session, roster in demo.rosters.items():
        _add_attendance(demo, session, roster)
    _add_signatures(demo)
    _add_signoffs(demo)
    _add_surveys(demo)
    db.session.flush()
    counts = {m.__tablename__: db.session.scalars(sa.select(sa.func.count()).select_from(m)).one() for m in COUNTED}
    record(None, "demo.seed", object_type="system", object_id="demo", after=counts)
    return counts


# ---------------------------------------------------------------- people and courses


def _add_people(demo: Demo) -> None:
    """Create the admin, the trainers and the learners, one password hash per role."""
    hashes = {role: _password_hash(password) for role, password in data.PASSWORDS.items()}
    demo.admin = _add_user(demo, data.ADMIN, Role.ADMIN, hashes["admin"])
    demo.trainers = {k: _add_user(demo, row, Role.TRAINER, hashes["trainer"]) for k, row in data.TRAINERS.items()}
    demo.learners = [_add_user(demo, row, Role.LEARNER, hashes["learner"]) for row in data.LEARNERS]


def _password_hash(password: str) -> str:
    """A scrypt hash of `password`, computed once and shared by every account of a role."""
    return User.hash_password(password)


def _add_user(demo: Demo, row: tuple[str, ...], role: Role, password_hash: str) -> User:
    """A confirmed account holding one role, created about thirteen months ago."""
    name, email, organisation, category, locale = row
    created = demo.now - timedelta(days=demo.rng.uniform(380, 420))
    user = User(
        email=email,
        name=name,
        organisation=organisation,
        category=LearnerCategory(category),
        locale=locale,
        password_hash=password_hash,
        created_at=created,
        email_confirmed_at=created + timedelta(minutes=demo.rng.randint(2, 90)),
    )
    user.roles = [UserRole(role=role, granted_at=created)]
    db.session.add(user)
    return user


def _add_course(demo: Demo, spec: data.CourseSpec) -> Course:
    """A course with every Qualiopi programme field filled in its own language."""
    language = spec["language"]
    created = demo.now - timedelta(days=450)
    course = Course(
        slug=spec["slug"],
        track=Track(spec["track"]),
        level=Level(spec["level"]),
        language=language,
        format=CourseFormat(spec["format"]),
        duration_hours=Decimal(spec["hours"]),
        price_eur=Decimal(spec["price"]),
        accessibility=data.ACCESSIBILITY[language],
        contact=data.CONTACT,
        access_delay=data.ACCESS_DELAY[language],
        status=CourseStatus(spec.get("status", "published")),
        created_at=created,
        updated_at=created,
        **{name: spec[name] for name in TEXT_FIELDS},
    )
    db.session.add(course)
    return course


# ---------------------------------------------------------------- sessions and slots


def _add_session(demo: Demo, course: Course, when, capacity: int, kind: str) -> None:
    """A session of `course` with its slots, trainers and enrolments."""
    n_slots = int(course.duration_hours / SLOT_HOURS)
    times = _slot_times(_session_days(demo.today, when, math.ceil(n_slots / 2)), n_slots)
    start, spec = times[0][0], SPECS[course.slug]
    session = CourseSession(
        course=course,
        place=data.PLACES[spec["place"]],
        capacity=capacity,
        starts_at=start,
        ends_at=times[-1][1],
        enrolment_deadline=start - timedelta(days=demo.rng.choice((3, 5, 7))),
        cancellation_deadline=start - timedelta(days=demo.rng.randint(2, 7)),
        approval_required=kind == "approval",
        what_to_bring=spec.get("what_to_bring", ""),
        created_at=min(start, demo.now) - timedelta(days=60),
        slots=[Slot(starts_at=s, ends_at=e, hours=SLOT_HOURS) for s, e in times],
    )
    session.trainers = _pick_trainers(demo, spec["trainers"], times)
    if kind == "cancelled":
        _cancel(demo, session)
    db.session.add(session)
    roster = ENROLERS[kind](demo, session, _free_learners(demo, course.language, times))
    session.seats_taken = sum(e.status is EnrolmentStatus.CONFIRMED for e in roster)
    db.session.add_all(roster)
    demo.rosters[session] = roster


def _cancel(demo: Demo, session: CourseSession) -> None:
    """Cancel `session` a few days ago, with a reason in the course's language."""
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = demo.now - timedelta(days=demo.rng.uniform(2, 6))
    session.cancellation_reason = data.CANCELLATION_REASON[session.course.language]


def _session_days(today: date, when, n_days: int) -> list[date]:
    """The teaching days of a session planned at `when` (see `demo_data.SESSIONS`)."""
    if when == "running":
        # From the weekday before today: with three days, some slots are over and some to come.
        start = today - timedelta(days=1)
        while start.weekday() >= 5:
            start -= timedelta(days=1)
        return _weekdays_from(start, n_days)
    if when == "next_month":
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return _weekdays_from(first + timedelta(days=11), n_days)
    weeks, weekday = when
    monday = today - timedelta(days=today.weekday())
    return _weekdays_from(monday + timedelta(weeks=weeks, days=weekday), n_days)


def _weekdays_from(day: date, count: int) -> list[date]:
    """`count` consecutive Monday-to-Friday days, from `day` or the next weekday after it."""
    days: list[date] = []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _slot_times(days: list[date], n_slots: int) -> list[tuple[datetime, datetime]]:
    """The first `n_slots` half-days of `days`, in Paris local time, converted to UTC."""
    halves = [(day, half) for day in days for half in HALF_DAYS][:n_slots]

    def utc(day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)

    return [(utc(day, start), utc(day, end)) for day, (start, end) in halves]


def _overlaps(times: list[tuple[datetime, datetime]], others: list[tuple[datetime, datetime]]) -> bool:
    """Whether any interval of `times` intersects any of `others`."""
    return any(s < other_end and other_start < e for s, e in times for other_start, other_end in others)


def _pick_trainers(demo: Demo, keys: list[str], times) -> list[User]:
    """One or two trainers free at every slot, the course's own trainers first."""
    # Compared by key: UserMixin's __eq__ compares get_id(), which is the same for unsaved users.
    order = keys + [key for key in demo.trainers if key not in keys]
    free = [key for key in order if not _overlaps(times, demo.busy[demo.trainers[key]])]
    if not free:
        raise click.ClickException("demo schedule error: no trainer is free for a session")
    two = len(free) > 1 and free[1] in keys and demo.rng.random() < 0.4
    chosen = [demo.trainers[key] for key in free[: 2 if two else 1]]
    for trainer in chosen:
        demo.busy[trainer].extend(times)
    return chosen


# ---------------------------------------------------------------- enrolments


def _free_learners(demo: Demo, language: str, times) -> list[User]:
    """Learners free at every slot, least busy first; French courses only draw French speakers."""
    speakers = [u for u in demo.learners if language == "en" or u.locale == "fr"]
    pool = [u for u in speakers if not _overlaps(times, demo.busy[u])]
    # Favour the learners with the fewest courses so far, so no one takes every course.
    weights = {id(u): len(demo.busy[u]) + demo.rng.uniform(0, 10) for u in pool}
    return sorted(pool, key=lambda u: weights[id(u)])


def _enrol(demo: Demo, session, learner: User, status: EnrolmentStatus, at: datetime, **fields) -> Enrolment:
    """An enrolment made at `at`; learners who keep a place become busy at the session's slots."""
    if status not in (EnrolmentStatus.CANCELLED, EnrolmentStatus.REJECTED):
        demo.busy[learner].extend((slot.starts_at, slot.ends_at) for slot in session.slots)
    by_admin = demo.rng.random() < 0.1
    return Enrolment(
        session=session,
        user=learner,
        status=status,
        created_at=at,
        prerequisites_acknowledged_at=at,
        enrolled_by=demo.admin if by_admin else None,
        updated_at=fields.pop("updated_at", at),
        **fields,
    )


def _confirmed(demo: Demo, session, learner: User) -> Enrolment:
    """A confirmed enrolment, made days or weeks before the deadline and never in the future."""
    at = min(session.enrolment_deadline, demo.now - timedelta(hours=2)) - timedelta(days=demo.rng.uniform(1, 40))
    return _enrol(demo, session, learner, EnrolmentStatus.CONFIRMED, at, confirmed_at=at)


def _cancelled(demo: Demo, session, learner: User, cancelled_at: datetime | None = None) -> Enrolment:
    """An enrolment the learner cancelled (or that the session's cancellation ended)."""
    limit = cancelled_at or min(session.cancellation_deadline, demo.now - timedelta(hours=2))
    at = limit - timedelta(days=demo.rng.uniform(5, 30))
    cancelled_at = cancelled_at or at + timedelta(days=demo.rng.uniform(0.5, 4))
    return _enrol(
        demo, session, learner, EnrolmentStatus.CANCELLED, at, cancelled_at=cancelled_at, updated_at=cancelled_at
    )


def _enrol_open(demo: Demo, session, pool: list[User]) -> list[Enrolment]:
    """Past and running sessions well filled; future ones partly filled, with seats left."""
    low, high = (0.5, 0.9) if session.starts_at <= demo.now else (0.25, 0.7)
    count = min(len(pool), demo.rng.randint(math.ceil(session.capacity * low), int(session.capacity * high)))
    roster = [_confirmed(demo, session, learner) for learner in pool[:count]]
    if len(pool) > count and demo.rng.random() < 0.35:
        roster.append(_cancelled(demo, session, pool[count]))
    return roster


def _enrol_full(demo: Demo, session, pool: list[User]) -> list[Enrolment]:
    """Every seat taken, three learners waiting in order, and one cancellation."""
    capacity = session.capacity
    roster = [_confirmed(demo, session, learner) for learner in pool[:capacity]]
    roster.append(_cancelled(demo, session, pool[capacity]))
    waited = demo.now - timedelta(days=12)
    for learner in pool[capacity + 1 : capacity + 4]:
        waited += timedelta(hours=demo.rng.uniform(3, 60))
        roster.append(_enrol(demo, session, learner, EnrolmentStatus.WAITLISTED, waited, waitlisted_at=waited))
    return roster


def _enrol_approval(demo: Demo, session, pool: list[User]) -> list[Enrolment]:
    """Requests approved and rejected by the admin, and four still awaiting a decision."""
    roster = [_decided(demo, session, learner, EnrolmentStatus.CONFIRMED) for learner in pool[:3]]
    roster.append(_decided(demo, session, pool[3], EnrolmentStatus.REJECTED))
    for learner in pool[4:8]:
        at = demo.now - timedelta(days=demo.rng.uniform(0.5, 6))
        roster.append(_enrol(demo, session, learner, EnrolmentStatus.PENDING_APPROVAL, at))
    return roster


def _decided(demo: Demo, session, learner: User, status: EnrolmentStatus) -> Enrolment:
    """A request the admin approved (confirmed) or rejected, a day or two after it came in."""
    at = demo.now - timedelta(days=demo.rng.uniform(8, 30))
    decided = at + timedelta(days=demo.rng.uniform(0.5, 2))
    confirmed = (
        {"confirmed_at": decided}
        if status is EnrolmentStatus.CONFIRMED
        else {"decision_reason": data.REJECTION_REASON[session.course.language]}
    )
    return _enrol(
        demo, session, learner, status, at, decided_by=demo.admin, decided_at=decided, updated_at=decided, **confirmed
    )


def _enrol_cancelled_session(demo: Demo, session, pool: list[User]) -> list[Enrolment]:
    """The enrolments the session's cancellation ended."""
    return [_cancelled(demo, session, learner, session.cancelled_at) for learner in pool[:4]]


ENROLERS = {
    "open": _enrol_open,
    "full": _enrol_full,
    "approval": _enrol_approval,
    "cancelled": _enrol_cancelled_session,
}


# ---------------------------------------------------------------- attendance and surveys


def _add_attendance(demo: Demo, session: CourseSession, roster: list[Enrolment]) -> None:
    """A mark per confirmed learner and elapsed slot; some learners miss enough to fall below 80 %."""
    elapsed = [slot for slot in session.slots if slot.ends_at <= demo.now]
    if session.status is SessionStatus.CANCELLED or not elapsed:
        return
    for enrolment in roster:
        if enrolment.status is EnrolmentStatus.CONFIRMED:
            statuses = _attendance_pattern(demo.rng, len(session.slots))[: len(elapsed)]
            for slot, status in zip(elapsed, statuses, strict=True):
                demo.marks.append(_mark(demo, session, enrolment, slot, status))
                db.session.add(demo.marks[-1])
            demo.attended[enrolment] = sum(s.counts_as_attended for s in statuses) / len(statuses)


def _attendance_pattern(rng: random.Random, n_slots: int) -> list[MarkStatus]:
    """The statuses of one learner over a session: mostly present, sometimes a missed block."""
    statuses = rng.choices([MarkStatus.PRESENT, MarkStatus.LATE, MarkStatus.ABSENT], [90, 8, 2], k=n_slots)
    if rng.random() < 0.1:
        missed = max(1, n_slots // 2)
        first = rng.randrange(n_slots - missed + 1)
        statuses[first : first + missed] = [rng.choice((MarkStatus.ABSENT, MarkStatus.EXCUSED))] * missed
    return statuses


def _mark(demo: Demo, session: CourseSession, enrolment: Enrolment, slot: Slot, status: MarkStatus):
    """One attendance mark: by a trainer of the session, or the learner's own check-in."""
    rng, language = demo.rng, session.course.language
    delay = rng.randint(20, 45) if status is MarkStatus.LATE else rng.randint(-10, 4)
    arrived = slot.starts_at + timedelta(minutes=delay)
    self_checkin = status.counts_as_attended and rng.random() < 0.2
    note = data.MARK_NOTES.get(status.value, {}).get(language, "") if rng.random() < 0.5 else ""
    return AttendanceMark(
        session_id=session.id,
        enrolment_id=enrolment.id,
        slot_id=slot.id,
        status=status,
        note=note,
        method=MarkMethod.SELF_CHECKIN if self_checkin else MarkMethod.TRAINER,
        # A self check-in is recorded as made by the learner: the trainer did not make it.
        marked_by_id=enrolment.user_id if self_checkin else rng.choice(session.trainers).id,
        marked_at=arrived if self_checkin else slot.starts_at + timedelta(minutes=rng.randint(10, 45)),
        checked_in_at=arrived if self_checkin or status is MarkStatus.LATE else None,
    )


def _add_signoffs(demo: Demo) -> None:
    """Trainers sign off every elapsed slot but the last one of the latest finished session."""
    held = [s for s in demo.rosters if s.status is SessionStatus.SCHEDULED]
    finished = [s for s in held if s.ends_at <= demo.now]
    unsigned = max(finished, key=lambda s: s.ends_at).slots[-1]
    for session in held:
        for slot in session.slots:
            if slot.ends_at <= demo.now and slot is not unsigned:
                signed = min(slot.ends_at + timedelta(minutes=demo.rng.randint(2, 25)), demo.now)
                signer = demo.rng.choice(session.trainers)
                marks = [m for m in demo.marks if m.slot_id == slot.id]
                meaning = signatures.signoff_meaning(slot, len(marks), session.course.language)
                db.session.add(
                    SlotSignoff(
                        slot=slot,
                        signed_by=signer,
                        signed_at=signed,
                        signer_name=signer.name,
                        meaning=meaning,
                        record_hash=signatures.roll_hash(slot, marks, signed, signer.id, meaning),
                    )
                )


def _add_signatures(demo: Demo) -> None:
    """Most learners sign the half-days they attended: a drawn signature, sometimes their typed name."""
    db.session.flush()
    rng = random.Random(11)  # its own: the demo's other random choices stay as they were
    for mark in demo.marks:
        if not mark.status.counts_as_attended or rng.random() < 0.1:
            continue
        learner, drawn = mark.enrolment.user, rng.random() < 0.8
        fields: signatures.SignatureFields = {
            "signer_id": learner.id,
            "signer_name": learner.name,
            "signed_at": mark.marked_at,
            "meaning": signatures.mark_meaning(mark.slot, mark.status, mark.slot.session.course.language),
            "method": SignatureMethod.DRAWN if drawn else SignatureMethod.TYPED,
            "device": SignatureDevice.OWN if mark.method.by_learner else SignatureDevice.TRAINER,
            "drawing": _scribble(rng) if drawn else "",
            "typed_name": "" if drawn else learner.name,
        }
        db.session.add(AttendanceSignature(mark=mark, record_hash=signatures.signature_hash(mark, **fields), **fields))


def _scribble(rng: random.Random) -> str:
    """A handwriting-like stroke across the signature box."""
    return " ".join(f"{x},{50 + round(30 * ((x // 12) % 2 * 2 - 1) * rng.random())}" for x in range(20, 260, 6))


def _add_surveys(demo: Demo) -> None:
    """Satisfaction answers from about two thirds of those who attended a finished session."""
    rng = demo.rng
    for enrolment, attended in demo.attended.items():
        session = enrolment.session
        if session.ends_at > demo.now or attended < 0.5 or rng.random() > 0.65:
            continue
        language = session.course.language
        ratings = {name: rng.choices([5, 4, 3, 2], [50, 35, 12, 3])[0] for name in RATING_FIELDS}
        comment = rng.choice(data.SURVEY_COMMENTS[language]) if rng.random() < 0.3 else ""
        submitted = min(session.ends_at + timedelta(hours=rng.uniform(0.2, 72)), demo.now)
        db.session.add(SurveyResponse(enrolment=enrolment, comment=comment, submitted_at=submitted, **ratings))
