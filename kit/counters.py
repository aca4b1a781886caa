"""Counters kept beside the rows they count (region statistics at a province's scale):
an UPSERT that adds to a counter row, so two transactions bumping the same counter
both land (`n = n + excluded.n` is evaluated on the row as the second writer finds it,
after the first commits), on PostgreSQL and SQLite alike.

A counter is split into slots (`slot` is part of every counter table's key; readers
`sum(n)` over them). The row an UPSERT adds to stays locked until its transaction
commits, so with one row per counter every transaction counting the same thing (the
engagements a region opens in a period) queued behind the one before it for that one's
remaining statements and its commit: on PostgreSQL at 32 commands in flight a
createEngagement waited 30–40 ms on its region's counters (docs/BENCHMARKS.md §17,
"Ninth round: connections kept, counters in slots"). Each pooled connection adds to its
own slot, so two transactions wait for each other only when their connections share a
slot. SQLite has one writer at a time anyway and counts in slot 0."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import SmallInteger, Table, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import MappedColumn, mapped_column
from sqlalchemy.sql.dml import Insert

from kit.db import insert_of

COUNT = "n"
"""The column every counter table counts in; its primary key is everything else."""

SLOT = "slot"
"""The key column that splits a counter into rows its writers do not share."""

SLOTS = 8
"""Slots per counter on PostgreSQL: a counter is at most this many rows, and at most
this many transactions add to it at once without waiting (the pool holds up to 20
connections; beyond 8 a queue is short, and every reader sums 8× fewer rows)."""

_SLOT_KEY = "ecohost.counter_slot"
_next_slot = itertools.count()


def counter_slot() -> MappedColumn[int]:
    """A counter table's slot column, the last of its key; rows written without one
    (rebuilds, migrations' backfills) are slot 0."""
    return mapped_column(SmallInteger, primary_key=True, server_default=text("0"))


async def add_to_counters(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Add each row's `n` to the counter its key columns name (in this connection's
    slot), creating it at `n`. A counter that reaches 0 stays (reads sum it as 0), so a
    later +1 is an UPDATE; a slot may go below 0 (counted up in one slot, down in
    another), the sum never."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    slot = 0 if dialect == "sqlite" else await _slot(session)
    await session.execute(_upsert(table, dialect), [{**r, SLOT: slot} for r in rows])


async def _slot(session: AsyncSession) -> int:
    """The slot of the session's connection, chosen once per connection (its `info`
    lives as long as the database connection), round robin in this process."""
    info = (await session.connection()).info
    slot = info.get(_SLOT_KEY)
    if slot is None:
        slot = info[_SLOT_KEY] = next(_next_slot) % SLOTS
    return int(slot)


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
