"""Counters kept beside the rows they count (region statistics at a province's scale):
an UPSERT that adds to a counter row, so two transactions bumping the same counter
both land (`n = n + excluded.n` is evaluated on the row as the second writer finds it,
after the first commits), on PostgreSQL and SQLite alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import dialect_insert

COUNT = "n"
"""The column every counter table counts in; its primary key is everything else."""


async def add_to_counters(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Add each row's `n` to the counter its key columns name, creating it at `n`.
    A counter that reaches 0 stays (reads sum it as 0), so a later +1 is an UPDATE."""
    if not rows:
        return
    statement = dialect_insert(session)(table).values(list(rows))
    keys = [c.name for c in table.primary_key.columns]
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=keys, set_={COUNT: table.c[COUNT] + statement.excluded[COUNT]}
        )
    )
