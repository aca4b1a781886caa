"""The region statistics' counters split into slots (kit/counters.py): `slot` joins the
primary key of `engagement_tally` and `open_item_tally`, so transactions on different
connections add to different rows of a counter and do not queue on one row lock.
The counts there are become slot 0; readers sum over the slots.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

from kit.counters_migration import add_slot, drop_slot

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = {
    "engagement_tally": ["region_code", "period_start", "period_end", "figure", "value"],
    "open_item_tally": ["region_code", "due_date"],
}


def upgrade() -> None:
    for table, keys in KEYS.items():
        add_slot(op, table, keys)


def downgrade() -> None:
    for table, keys in KEYS.items():
        drop_slot(op, table, keys)
