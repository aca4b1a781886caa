"""`grade_tally` split into slots (kit/counters.py): `slot` joins its primary key, so
cards decided at once on different connections add to different rows of a counter.
The counts there are become slot 0; readers sum over the slots.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

from kit.counters_migration import add_slot, drop_slot

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "grade_tally"
KEYS = ["region_code", "period_label", "period_start", "period_end", "grade"]


def upgrade() -> None:
    add_slot(op, TABLE, KEYS)


def downgrade() -> None:
    drop_slot(op, TABLE, KEYS)
