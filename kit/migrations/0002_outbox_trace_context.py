"""The outbox keeps the trace context of the span that recorded each event

Revision ID: messaging_0002
Revises: messaging_0001
Create Date: 2026-11-29

Nullable: rows written with tracing off, or before this step, have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "messaging_0002"
down_revision: str | Sequence[str] | None = "messaging_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace_context", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("trace_context")
