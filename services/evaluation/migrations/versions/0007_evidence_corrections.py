"""Evidence follows corrections: what each piece is about, and what retired it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Evidence kept before this revision has no subject (null): a correction of a record
announced before it adds the corrected facts but cannot retire the original ones.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("retired_by", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_evidence_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_subject_id"))
        batch_op.drop_column("retired_by")
        batch_op.drop_column("subject_id")
