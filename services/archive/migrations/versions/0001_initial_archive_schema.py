"""initial archive schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28

The outbox, inbox and dead letters come from kit's `messaging` branch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "messaging_0001"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "trace_entry",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("engagement_id", "seq", name=op.f("pk_trace_entry")),
        sa.UniqueConstraint("event_id", name=op.f("uq_trace_entry_event_id")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("trace_entry")
