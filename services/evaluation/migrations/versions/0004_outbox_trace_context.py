"""The outbox keeps the trace context of the span that recorded each event

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

The column is kit's step `messaging_0002`. This revision does nothing itself: it is
recorded in existing databases, and its dependency tells Alembic that those databases
already have that step, while a database older than it gets the step on upgrade.
"""

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "messaging_0002"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
