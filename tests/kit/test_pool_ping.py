"""`kit.pool_ping`: on PostgreSQL a pooled connection is pinged before use only after
it sat idle; one that died while idle is replaced without the caller noticing, and
one that dies within the idle time fails as a disconnect (ServiceUnavailable for
the caller), after which the pool serves live connections again."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kit.db import Database, database_unreachable
from kit.pool_ping import ping_when_idle
from tests.infra.postgres import PostgresInfo

IDLE = 0.3


_names = itertools.count()


@pytest.fixture
def url(postgres: PostgresInfo) -> str:
    return postgres.create_database(f"pool_ping_{next(_names)}")


@pytest.fixture
async def engine(url: str) -> Any:
    """One pooled connection, so each use is the same one until it is replaced."""
    engine = create_async_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle=IDLE)
    yield engine
    await engine.dispose()


def _count_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    dialect, pings = engine.sync_engine.dialect, [0]
    do_ping = dialect.do_ping

    def counted(conn: Any) -> bool:
        pings[0] += 1
        return do_ping(conn)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(url: str, pid: int) -> None:
    """The server ends that connection, as a restart or a proxy's idle timeout does."""
    other = create_async_engine(url)
    async with other.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await other.dispose()


async def test_only_a_connection_idle_longer_than_the_limit_is_pinged(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(engine, monkeypatch)
    first = await _backend_pid(engine)  # a new connection: not pinged
    assert await _backend_pid(engine) == first  # back a moment ago: not pinged
    assert pings[0] == 0
    await asyncio.sleep(IDLE * 1.5)
    assert await _backend_pid(engine) == first  # idle: pinged, alive, kept
    assert pings[0] == 1


async def test_a_connection_that_died_while_idle_is_replaced_unnoticed(
    engine: AsyncEngine, url: str
) -> None:
    first = await _backend_pid(engine)
    await _terminate(url, first)
    await asyncio.sleep(IDLE * 1.5)
    assert await _backend_pid(engine) != first


async def test_one_that_died_a_moment_ago_fails_as_unreachable_then_the_pool_recovers(
    engine: AsyncEngine, url: str
) -> None:
    first = await _backend_pid(engine)
    await _terminate(url, first)
    with pytest.raises(DBAPIError) as raised:
        await _backend_pid(engine)
    assert database_unreachable(raised.value)
    assert await _backend_pid(engine) != first


def test_a_service_database_on_postgresql_pings_when_idle_and_not_before_every_use(
    url: str,
) -> None:
    pool = Database(url, schema="public").engine.sync_engine.pool
    assert not pool._pre_ping
    assert pool.dispatch.checkout
    assert pool.dispatch.checkin
