"""Scale: the open list items by engagement and due date (partial index), so the
`overdue` filter of the engagement lists probes an index and never reads the items'
rows (docs/BENCHMARKS.md §14).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_index(
        "ix_list_item_open_due",
        "list_item",
        ["engagement_id", "due_date"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_list_item_open_due", table_name="list_item")
