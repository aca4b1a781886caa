"""Units are searchable by name: the normalised name and its character grams

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

Backfills every existing unit with kit.search's normalisation, the one the running
code indexes new units with.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit.search import grams, normalize

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "unit", sa.Column("search_name", sa.String(200), nullable=False, server_default="")
    )
    gram = op.create_table(
        "unit_search_gram",
        sa.Column("gram", sa.String(2), primary_key=True),
        sa.Column(
            "owner_id",
            sa.Uuid(),
            sa.ForeignKey("unit.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_unit_search_gram_owner_id", "unit_search_gram", ["owner_id"])
    unit = sa.table("unit", sa.column("id", sa.Uuid()), sa.column("name"), sa.column("search_name"))
    bind = op.get_bind()
    for unit_id, name in bind.execute(sa.select(unit.c.id, unit.c.name)).all():
        bind.execute(unit.update().where(unit.c.id == unit_id).values(search_name=normalize(name)))
        rows = [{"gram": g, "owner_id": unit_id} for g in sorted(grams(name))]
        if rows:
            bind.execute(sa.insert(gram), rows)


def downgrade() -> None:
    op.drop_index("ix_unit_search_gram_owner_id", table_name="unit_search_gram")
    op.drop_table("unit_search_gram")
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("search_name")
