"""Certificates keep the version of the course they were issued for (GMP training record: on what,
course and version). Existing certificates get their course's current version, the best known.

Revision ID: 3c1d2e4f5a6b
Revises: fb3a88fb8662
Create Date: 2026-11-27 01:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3c1d2e4f5a6b"
down_revision = "fb3a88fb8662"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(sa.Column("course_version", sa.Integer(), server_default="1", nullable=False))
    op.execute(
        "UPDATE certificates SET course_version = (SELECT courses.version FROM enrolments "
        "JOIN sessions ON sessions.id = enrolments.session_id JOIN courses ON courses.id = sessions.course_id "
        "WHERE enrolments.id = certificates.enrolment_id)"
    )


def downgrade():
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_column("course_version")
