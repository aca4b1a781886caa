"""Counters kept beside the rows they count (region statistics at a province's scale):
an UPSERT that adds to a counter row, so two transactions bumping the same counter
both land (`n = n + excluded.n` is evaluated on the row as the second writer finds it,
after the first commits), on PostgreSQL and SQLite alike."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from kit.db import insert_of

COUNT = "n"
"""The column every counter table counts in; its primary key is everything else."""


async def add_to_counters(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Add each row's `n` to the counter its key columns name, creating it at `n`.
    A counter that reaches 0 stays (reads sum it as 0), so a later +1 is an UPDATE."""
    if not rows:
        return
    await session.execute(_upsert(table, session.get_bind().dialect.name), list(rows))


@functools.cache
def _upsert(table: Table, dialect: str) -> Insert:
    """The table's upsert, built once per backend and given its rows as parameters: a
    multi-row `.values()` built per call was compiled per call too (its cache key holds
    the row count), about a quarter of the engagement service's CPU per createEngagement
    (docs/BENCHMARKS.md §17, fifth round). The rows of one call have distinct keys, so
    running it once per row adds the same as one multi-row statement."""
    statement = insert_of(dialect)(table)
    keys = [c.name for c in table.primary_key.columns]
    return statement.on_conflict_do_update(
        index_elements=keys, set_={COUNT: table.c[COUNT] + statement.excluded[COUNT]}
    )
