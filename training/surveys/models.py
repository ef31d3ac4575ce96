"""The end-of-session satisfaction survey: the invitation sent once, and the learner's answers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.enrolment.models import Enrolment
from training.extensions import Model, utcnow

RATING_FIELDS = ("overall", "content", "trainer", "organisation")


class SurveyInvitation(Model):
    """The survey email sent to a learner after their session: at most one per enrolment."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id"), unique=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()


class SurveyResponse(Model):
    """One response per enrolment; each rating from 1 to 5."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id"), unique=True)
    overall: Mapped[int]
    content: Mapped[int]
    trainer: Mapped[int]
    organisation: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()

    __table_args__ = tuple(
        sa.CheckConstraint(f"{field} BETWEEN 1 AND 5", name=f"{field}_rating") for field in RATING_FIELDS
    )
