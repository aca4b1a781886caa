"""Archive items are searchable by title: the normalised title and its character grams

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Backfills filed items and tombstones (the rows lists show) with kit.search's
normalisation, the one the running code indexes new filings with.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit.search import grams, normalize

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "archive_item",
        sa.Column("search_title", sa.String(300), nullable=False, server_default=""),
    )
    gram = op.create_table(
        "item_search_gram",
        sa.Column("gram", sa.String(2), primary_key=True),
        sa.Column(
            "owner_id",
            sa.Uuid(),
            sa.ForeignKey("archive_item.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_item_search_gram_owner_id", "item_search_gram", ["owner_id"])
    item = sa.table(
        "archive_item",
        sa.column("id", sa.Uuid()),
        sa.column("title"),
        sa.column("status"),
        sa.column("search_title"),
    )
    bind = op.get_bind()
    listed = sa.select(item.c.id, item.c.title).where(item.c.status.in_(["filed", "destroyed"]))
    for item_id, title in bind.execute(listed).all():
        bind.execute(
            item.update().where(item.c.id == item_id).values(search_title=normalize(title))
        )
        rows = [{"gram": g, "owner_id": item_id} for g in sorted(grams(title))]
        if rows:
            bind.execute(sa.insert(gram), rows)


def downgrade() -> None:
    op.drop_index("ix_item_search_gram_owner_id", table_name="item_search_gram")
    op.drop_table("item_search_gram")
    with op.batch_alter_table("archive_item") as batch:
        batch.drop_column("search_title")
