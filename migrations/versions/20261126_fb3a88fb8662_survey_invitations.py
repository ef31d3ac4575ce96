"""Survey invitations: the end-of-session survey email, sent once per enrolment (Qualiopi indicator 30).

Revision ID: fb3a88fb8662
Revises: 5f367bd79e2e
Create Date: 2026-11-26 23:49:02.346153

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "fb3a88fb8662"
down_revision = "5f367bd79e2e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_survey_invitations_enrolment_id_enrolments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("enrolment_id", name=op.f("uq_survey_invitations_enrolment_id")),
    )


def downgrade():
    op.drop_table("survey_invitations")
