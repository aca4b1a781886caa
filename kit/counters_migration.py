"""The migration step that splits a counter table into slots (kit/counters.py), shared
by the services whose counters it splits: `slot` added as the last column of the
primary key, the existing rows slot 0. Batch mode, so SQLite (which cannot alter a
primary key) copies the table and PostgreSQL alters it in place."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def add_slot(op: Any, table: str, keys: list[str]) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(
            sa.Column("slot", sa.SmallInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch.drop_constraint(f"pk_{table}", type_="primary")
        batch.create_primary_key(f"pk_{table}", [*keys, "slot"])


def drop_slot(op: Any, table: str, keys: list[str]) -> None:
    """Back to one row per counter: each counter's slots summed into one row (written
    in a slot no writer uses, the others deleted), then the column dropped."""
    t = sa.table(table, *(sa.column(k) for k in keys), sa.column("slot"), sa.column("n"))
    key = [t.c[k] for k in keys]
    summed = sa.select(*key, sa.literal(FOLDED), sa.func.sum(t.c.n)).group_by(*key)
    op.execute(sa.insert(t).from_select([*keys, "slot", "n"], summed))
    op.execute(sa.delete(t).where(t.c.slot != FOLDED))
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(f"pk_{table}", type_="primary")
        batch.drop_column("slot")
        batch.create_primary_key(f"pk_{table}", keys)


FOLDED = -1
"""The slot the summed rows go to on the way down (kit.counters' slots are 0 and up)."""
