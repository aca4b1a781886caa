"""Versions of archive items: every item belongs to a series (its first version's id)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Existing items each start their own series: series_id = id. A version number is
unique within its series. The column stays nullable in this release: replicas of the
previous release, still serving while this runs, insert rows without it (read as a
series of their own, `ArchiveItem.series`); NOT NULL comes with the next release,
after a backfill.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("archive_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE archive_item SET series_id = id")
    with op.batch_alter_table("archive_item", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_archive_item_series_id"), ["series_id", "version"]
        )


def downgrade() -> None:
    with op.batch_alter_table("archive_item", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_archive_item_series_id"), type_="unique")
        batch_op.drop_column("series_id")
