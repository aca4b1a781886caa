"""Region statistics at a province's scale: `open_item_tally`, the open (not voided)
list items per region and due date, whose sum over the dates before today is the
overdue time nodes (docs/BENCHMARKS.md §14), backfilled from the items there are.
From here on the workflow keeps it in the transaction that adds, approves, finishes,
corrects or voids an item (services/engagement/statistics/commands.py).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = (
    "INSERT INTO open_item_tally (region_code, due_date, n) "
    "SELECT u.region_code, i.due_date, count(*) FROM list_item i "
    "JOIN engagement e ON e.id = i.engagement_id JOIN unit u ON u.id = e.unit_id "
    "WHERE i.status = 'open' AND i.voided_at IS NULL AND i.due_date IS NOT NULL "
    "GROUP BY u.region_code, i.due_date"
)


def upgrade() -> None:
    op.create_table(
        "open_item_tally",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "due_date", name=op.f("pk_open_item_tally")),
    )
    op.create_index(
        "ix_open_item_tally_region_prefix",
        "open_item_tally",
        ["region_code"],
        postgresql_ops={"region_code": "varchar_pattern_ops"},
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_open_item_tally_region_prefix", table_name="open_item_tally")
    op.drop_table("open_item_tally")
