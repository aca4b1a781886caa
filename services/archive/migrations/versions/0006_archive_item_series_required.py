"""Every archive item has a series: `series_id` is NOT NULL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

A row without a series is version 1 of its own series, so it gets its own id first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE archive_item SET series_id = id WHERE series_id IS NULL")
    with op.batch_alter_table("archive_item", schema=None) as batch_op:
        batch_op.alter_column("series_id", existing_type=sa.Uuid(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("archive_item", schema=None) as batch_op:
        batch_op.alter_column("series_id", existing_type=sa.Uuid(), nullable=True)
