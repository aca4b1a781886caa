"""The rows a service's intake stores, as the database holds them, after events applied
one way and then another: each way in a transaction of its own that is rolled back, so
both start from the same database and may register the same engagements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from kit.db import Database
from kit.ids import new_id

# Table name -> (columns, order), as they go into the SELECT: names from the tests'
# constants, never input.
Tables = Mapping[str, tuple[str, str]]


class _Undo(Exception):
    """Rolls the transaction back once its rows are read."""


async def stored(session: AsyncSession, tables: Tables) -> dict[str, list[tuple[Any, ...]]]:
    """SQLite's values as it holds them (text); on PostgreSQL each row's text form,
    which keeps a JSON null apart from an SQL NULL (the driver decodes both to None)."""
    backend = session.get_bind().dialect.name
    found = {}
    for table, (columns, order) in tables.items():
        rows = f"SELECT {columns} FROM {table} ORDER BY {order}"  # noqa: S608
        query = rows if backend == "sqlite" else f"SELECT t::text FROM ({rows}) t"  # noqa: S608
        found[table] = [tuple(row) for row in await session.execute(text(query))]
    return found


async def rows_after(
    db: Database, apply: Callable[[AsyncSession], Awaitable[None]], tables: Tables
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows after `apply` in one transaction, which is then rolled back."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    try:
        async with db.transaction() as session:
            await apply(session)
            found = await stored(session, tables)
            raise _Undo
    except _Undo:
        pass
    return found


Batches = Sequence[Sequence[EventEnvelope]]
Way = Callable[[AsyncSession, Sequence[EventEnvelope]], Awaitable[None]]


async def same_rows(
    db: Database,
    tables: Tables,
    batches: Batches,
    reference: Way,
    *ways: Way,
    setup: Callable[[AsyncSession], Awaitable[None]] | None = None,
) -> dict[str, list[tuple[Any, ...]]]:
    """Apply the batches by `reference` (after `setup`, in one transaction), then by each
    of `ways` from the same database, and check that each stored the same rows; returns
    them."""
    found = []
    for way in (reference, *ways):

        async def apply(session: AsyncSession, way: Way = way) -> None:
            if setup is not None:
                await setup(session)
            for batch in batches:
                await way(session, batch)

        found.append(await rows_after(db, apply, tables))
    expected = found[0]
    assert any(expected.values())  # the reference stored something
    assert found[1:] == [expected] * len(ways)
    return expected


def replayed(event: Any) -> Any:
    """The same event under another event id (a replay of history: the inbox lets it in)."""
    return event.model_copy(update={"event_id": new_id()})
