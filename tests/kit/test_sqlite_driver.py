"""kit.sqlite_driver: the same answers as SQLAlchemy's own aiosqlite adapter, in one trip
to aiosqlite's thread per statement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kit.db import create_engine
from kit.sqlite_driver import OneTripCursor

metadata = MetaData()
item = Table(
    "item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, unique=True, nullable=False),
)


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """kit's engine and a stock aiosqlite engine, each on a database of its own."""
    ours = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'ours.db'}")
    stock = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'stock.db'}")
    for engine in (ours, stock):
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
    yield ours, stock
    for engine in (ours, stock):
        await engine.dispose()


async def _session(engine: AsyncEngine) -> list[Any]:
    """Statements of every kind, and what the driver said of each."""
    seen: list[Any] = []
    async with engine.begin() as conn:
        one = await conn.execute(insert(item), {"name": "a"})
        seen.append(("insert", one.rowcount, one.inserted_primary_key))
        many = await conn.execute(insert(item), [{"name": "b"}, {"name": "c"}, {"name": "d"}])
        seen.append(("executemany", many.rowcount))
        returned = await conn.execute(insert(item).returning(item.c.id), {"name": "e"})
        seen.append(("returning", returned.all()))
        rows = await conn.execute(select(item).order_by(item.c.id))
        seen.append(("select", list(rows.keys()), rows.all()))
        seen.append(("none", (await conn.execute(select(item).where(item.c.id < 0))).all()))
        seen.append(("first", (await conn.execute(select(item.c.name))).first()))
        renamed = update(item).where(item.c.id > 2).values(name=item.c.name + "!")
        changed = await conn.execute(renamed)
        seen.append(("update", changed.rowcount))
        gone = await conn.execute(delete(item).where(item.c.id == 1))
        seen.append(("delete", gone.rowcount))
        streamed = await conn.stream(select(item.c.name).order_by(item.c.id))
        seen.append(("stream", [row async for row in streamed]))
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(item), {"name": "b"})
    except IntegrityError as exc:
        seen.append(("conflict", type(exc.orig).__name__, str(exc.orig)))
    async with engine.connect() as conn:  # the failed transaction wrote nothing
        seen.append(("after", (await conn.execute(select(item.c.name).order_by(item.c.id))).all()))
    return seen


async def test_answers_as_the_stock_adapter(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    ours, stock = engines
    assert await _session(ours) == await _session(stock)


async def test_a_statement_is_one_trip_to_the_thread(
    engines: tuple[AsyncEngine, AsyncEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, _ = engines
    async with ours.connect() as conn:
        await conn.execute(select(item))  # the connection is open and set up
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), OneTripCursor)  # type: ignore[union-attr]
        driver = raw.driver_connection
        trips: list[Any] = []
        real = driver._execute  # type: ignore[union-attr]

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            trips.append(fn)
            return await real(fn, *args, **kwargs)

        monkeypatch.setattr(driver, "_execute", counted)
        await conn.execute(insert(item), {"name": "x"})
        await conn.execute(select(item))
        assert len(trips) == 2


def _raw_cursor_story(sync_conn: Any) -> list[Any]:
    """A raw DBAPI cursor used as code outside SQLAlchemy might: a query, a failing
    statement, then the cursor closed and used again."""
    seen: list[Any] = []
    cursor = sync_conn.connection.dbapi_connection.cursor()
    cursor.execute("SELECT 1 AS one")
    seen.append(("select", [d[0] for d in cursor.description], cursor.fetchall()))
    try:
        cursor.execute("SELECT * FROM no_such_table")
    except Exception as exc:
        seen.append(("failed", type(exc).__name__))
    seen.append(("after failure", cursor.description, cursor.rowcount))
    cursor.close()
    try:
        cursor.execute("SELECT 1")
    except Exception as exc:
        seen.append(("closed", type(exc).__name__, str(exc)))
    return seen


async def test_a_raw_cursor_after_a_failure_and_a_close_is_the_stock_one(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    stories = []
    for engine in engines:
        async with engine.connect() as conn:
            stories.append(await conn.run_sync(_raw_cursor_story))
    assert stories[0] == stories[1]
    assert stories[0][2] == ("after failure", None, -1)
    assert stories[0][3][:2] == ("closed", "ProgrammingError")
