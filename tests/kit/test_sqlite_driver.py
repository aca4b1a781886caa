"""kit.sqlite_driver: the same answers as SQLAlchemy's own aiosqlite adapter, with the
statements run in place and only waits (a busy lock, a commit's fsync, a bulk write) on
aiosqlite's thread."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kit.db import create_engine
from kit.sqlite_driver import BUSY_WAIT_MS, IN_PLACE_ROWS, InPlaceCursor

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


async def _thread_trips(conn: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every call the connection sends to aiosqlite's thread from now on."""
    raw = await conn.get_raw_connection()
    assert isinstance(raw.dbapi_connection.cursor(), InPlaceCursor)
    driver = raw.driver_connection
    trips: list[Any] = []
    real = driver._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(args[0] if args else fn)
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(driver, "_execute", counted)
    return trips


async def test_statements_run_in_place_and_only_a_commit_with_writes_goes_to_the_thread(
    engines: tuple[AsyncEngine, AsyncEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, _ = engines
    async with ours.connect() as conn:
        await conn.execute(select(item))  # the connection is open and set up
        await conn.commit()
        trips = await _thread_trips(conn, monkeypatch)
        await conn.execute(select(item))
        await conn.commit()  # nothing written: nothing to make durable
        assert trips == []
        await conn.execute(insert(item), {"name": "x"})
        await conn.execute(insert(item), [{"name": f"y{i}"} for i in range(IN_PLACE_ROWS)])
        await conn.execute(select(item))
        assert trips == []
        await conn.commit()
        assert [getattr(t, "__name__", t) for t in trips] == ["commit"]
        await conn.execute(insert(item), {"name": "z"})
        await conn.rollback()  # in place
        assert len(trips) == 1
    async with ours.connect() as conn:
        names = (await conn.execute(select(item.c.name))).scalars().all()
    assert len(names) == 1 + IN_PLACE_ROWS
    assert "z" not in names


async def test_a_bulk_executemany_runs_on_the_thread(
    engines: tuple[AsyncEngine, AsyncEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, _ = engines
    async with ours.begin() as conn:
        await conn.execute(select(item))
        trips = await _thread_trips(conn, monkeypatch)
        await conn.execute(insert(item), [{"name": f"n{i}"} for i in range(IN_PLACE_ROWS + 1)])
        assert len(trips) == 1
    async with ours.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(item))).scalar_one()
    assert count == IN_PLACE_ROWS + 1


async def test_a_write_another_process_locks_out_waits_on_the_thread_not_the_loop(
    engines: tuple[AsyncEngine, AsyncEngine], tmp_path: Path
) -> None:
    """Another connection (another process, as an `ecohost` command would be) holds the
    write lock: our INSERT is refused busy in place, then waits on aiosqlite's thread
    while the event loop keeps running, and lands once the lock is released."""
    ours, _ = engines
    other = sqlite3.connect(tmp_path / "ours.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def release_later() -> None:
        await asyncio.sleep(0.3)
        other.execute("COMMIT")

    ticker = asyncio.create_task(ticking())
    releaser = asyncio.create_task(release_later())
    try:
        async with ours.begin() as conn:
            await conn.execute(insert(item), {"name": "after the lock"})
    finally:
        ticker.cancel()
        await releaser
        other.close()
    assert ticks >= 10  # the loop ran while the INSERT waited
    async with ours.connect() as conn:
        names = (await conn.execute(select(item.c.name))).scalars().all()
    assert names == ["after the lock"]


async def test_statements_do_not_wait_on_a_busy_database_in_place(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """The connection's own busy timeout is zero: only the thread ever waits."""
    ours, _ = engines
    async with ours.connect() as conn:
        timeout = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
    assert timeout == 0


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


async def test_a_statement_with_many_parameters_runs_on_the_thread(
    engines: tuple[AsyncEngine, AsyncEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLAlchemy sends a bulk INSERT … RETURNING as single statements of up to 1,000
    rows: one such statement must not hold the event loop."""
    ours, _ = engines
    async with ours.begin() as conn:
        await conn.execute(select(item))
        trips = await _thread_trips(conn, monkeypatch)
        # Two parameters a row: a batch of 1,000 rows is 2,000 parameters.
        rows = [{"id": i, "name": f"r{i}"} for i in range(1, 1001)]
        ids = (await conn.execute(insert(item).returning(item.c.id), rows)).scalars().all()
        assert ids == list(range(1, 1001))
        assert len(trips) == 1


async def test_a_streamed_query_runs_on_the_thread_allowed_to_wait(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """`stream` keeps SQLAlchemy's lazy cursor; its statement waits on a lock as every
    statement on the thread does (the connection's own timeout is zero)."""
    ours, _ = engines
    async with ours.connect() as conn:
        streamed = await conn.stream(text("PRAGMA busy_timeout"))
        assert [row[0] async for row in streamed] == [BUSY_WAIT_MS]
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one() == 0


async def test_commit_and_rollback_of_a_closed_connection_do_nothing_as_stock(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    def end_both(dbapi_connection: Any) -> None:
        dbapi_connection.commit()
        dbapi_connection.rollback()

    for engine in engines:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            await raw.driver_connection.close()  # type: ignore[union-attr]
            closed = raw.dbapi_connection
            await conn.run_sync(lambda _: end_both(closed))  # noqa: B023
            raw.invalidate()
