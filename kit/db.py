"""Async SQLAlchemy 2 for a service's own database: PostgreSQL schema or SQLite file.

A service owns one PostgreSQL schema (`search_path` set per connection, so the
same models and migrations serve both backends) or, in the embedded default, one
SQLite file. Use cases run inside `Database.transaction()`: the caller owns the
transaction, services only flush.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from kit import sqlite_driver
from kit.pool_ping import ping_when_idle
from kit.settings import DATABASE_POOL_SIZE

# Stable constraint names, so migrations are reproducible on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on PostgreSQL and on SQLite
    (which stores no zone and would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use datetime.now(UTC)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def service_metadata() -> MetaData:
    """Fresh metadata for one service: each service declares its own base with it."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def dialect_insert(session: AsyncSession) -> Any:
    """`insert` of the session's backend, for `on_conflict_do_nothing` / `_do_update`:
    both PostgreSQL and SQLite have them, with the same arguments."""
    return insert_of(session.get_bind().dialect.name)


def insert_of(dialect: str) -> Callable[..., postgresql.Insert | sqlite.Insert]:
    """`insert` of the backend named `dialect` (a statement built once per backend)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str, *, schema: str | None = None, echo: bool = False, pool_size: int = DATABASE_POOL_SIZE
) -> AsyncEngine:
    """An engine for a service database.

    SQLite gets one pooled connection: SQLite has a single writer, and queueing on
    the pool is cheaper and clearer than `database is locked` retries. WAL mode
    lets readers proceed during a write; `synchronous=FULL` keeps a committed
    outbox row durable across a power cut.
    """
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=echo,
            pool_size=1,
            max_overflow=0,
            pool_timeout=120,
            module=sqlite_driver.dbapi(),  # statements in place; waits on locks: its thread
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine

    connect_args: dict[str, Any] = {}
    if schema:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}")
        connect_args["server_settings"] = {"search_path": schema}
    # Every connection opened is kept: no overflow. With 10 kept and 10 more allowed, a
    # busy process opened and closed several connections a second (an overflow one is
    # closed when it comes back to a full pool), each a new PostgreSQL backend (a fork,
    # asyncpg's setup, every statement prepared again): docs/BENCHMARKS.md §17, "Ninth
    # round: connections kept, counters in slots". The peak is the same 20.
    # LIFO: the connection given back last is the next one out, so a service at a few
    # transactions at a time keeps using the same one or two, whose prepared statements
    # asyncpg already has (SQLAlchemy keeps them per connection: FIFO went round all of
    # them, preparing each statement text, and each batch size of a multi-row INSERT, on
    # every one: a round trip each, docs/BENCHMARKS.md §17, eighth round).
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        pool_use_lifo=True,
        connect_args=connect_args,
    )
    ping_when_idle(engine)  # not `pool_pre_ping`: a round trip per transaction
    return engine


class Database:
    """A service's engine and session factory."""

    def __init__(
        self, url: str, *, schema: str | None = None, pool_size: int = DATABASE_POOL_SIZE
    ) -> None:
        self.url = url
        self.schema = None if is_sqlite(url) else schema
        self.engine = create_engine(url, schema=self.schema, pool_size=pool_size)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on any exception.

        What `async with sessions() as s, s.begin()` did, without the two steps of it
        that need no database: the transaction is begun on the sync session directly
        (beginning takes no connection; the first statement does), and after a commit,
        which has already given the connection back, the session is closed in place
        (closing then only detaches its objects). `AsyncSession`'s own begin and close
        each went through a greenlet, and its close through a task and a shield: about
        45 µs of a PostgreSQL transaction's CPU, paid by every command, relay cycle and
        consumed event (docs/BENCHMARKS.md §17, seventh round)."""
        session = self.sessions()
        session.sync_session.begin()
        try:
            yield session
            await session.commit()
        except BaseException:
            # As `session.begin()`'s exit did: the session rolled back (its objects
            # expunged or expired, `after_rollback` sent), then closed by its own exit,
            # which returns the connection even when the caller is cancelled meanwhile.
            # A rollback that fails (the connection is gone) leaves the close to end
            # it: the unit's own exception is the one raised.
            async with session:
                with suppress(Exception):
                    await session.rollback()
            raise
        session.sync_session.close()  # no I/O: nothing is checked out after the commit

    async def dispose(self) -> None:
        await self.engine.dispose()


# SQLSTATEs of a server that is gone or not accepting work yet: connection exceptions
# (class 08), admin/crash shutdown and "the database system is starting up" (57P01-3).
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached or dropped the connection
    (a restart, a crash, the network), rather than refused the statement.

    Such a failure is transient: the caller should hear ServiceUnavailable and retry,
    not an internal error. The transaction did not commit (or its outcome is unknown
    to this process, exactly as with a timeout)."""
    if isinstance(exc, OSError):  # ConnectionRefusedError and friends, while connecting
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(_UNREACHABLE_SQLSTATES)
    # asyncpg's own client errors carry no SQLSTATE: the connection closed in the middle
    # of an operation, or was left mid-protocol by one that did.
    import asyncpg  # type: ignore[import-untyped]

    cause = exc.orig.__cause__ if exc.orig is not None else None
    return isinstance(cause, asyncpg.InterfaceError | asyncpg.InternalClientError | OSError)
