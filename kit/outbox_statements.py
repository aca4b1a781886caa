"""Where the outbox relay runs its two statements (the read of unsent rows, the mark):
on the PostgreSQL leader's own connection, or each in a transaction of a pooled one.

On PostgreSQL the leader already holds a connection for its advisory lock. Running a
cycle's read and mark on it, in autocommit, makes each one round trip (no pool
checkout, no BEGIN, no COMMIT: six round trips a cycle became two, docs/BENCHMARKS.md
§17, eighth round), and ties the publishing to the lock: a failure on that connection
ends the leadership (`LeadershipLost`) instead of leaving an old leader publishing
through the pool beside the replica that took the lock over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Executable, Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class LeadershipLost(Exception):
    """The leader's connection failed: its lock may be gone, and another replica may
    hold it by now. The cause is the connection's error."""


class OutboxStatements(Protocol):
    async def rows(self, statement: Executable) -> Sequence[Row[Any]]: ...

    async def run(self, statement: Executable, params: Mapping[str, Any]) -> None: ...


class OnTheLock:
    """The leader's connection that holds the lock, in autocommit: each statement is
    committed by itself, which is all the relay needs (a read; a mark after the acks)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def rows(self, statement: Executable) -> Sequence[Row[Any]]:
        try:
            return (await self._conn.execute(statement)).all()
        except Exception as exc:
            raise LeadershipLost from exc

    async def run(self, statement: Executable, params: Mapping[str, Any]) -> None:
        try:
            await self._conn.execute(statement, params)
        except Exception as exc:
            raise LeadershipLost from exc


class EachInATransaction:
    """Each statement in a transaction of a pooled connection, given back at once: on
    SQLite, whose one connection serves the whole service and must not wait for NATS
    between the read and the mark, and for `OutboxRelay.drain()` outside the loop."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def rows(self, statement: Executable) -> Sequence[Row[Any]]:
        async with self._engine.begin() as conn:
            return (await conn.execute(statement)).all()

    async def run(self, statement: Executable, params: Mapping[str, Any]) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(statement, params)
