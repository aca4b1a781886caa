"""aiosqlite under SQLAlchemy, with the statements run on the event loop's own thread.

SQLite is a library, not a server: a statement is a function call of tens of
microseconds with nothing to wait for, except a lock another process holds and the
fsync of a commit. aiosqlite still sends every call to a thread of its own and back
(a queue, a future, the event loop woken from the thread). Under load each such trip
waits for the event loop's turn, and a service's SQLite is one pooled connection: a
transaction holds it across all its trips, so the trips' waits, not the statements,
bounded how many commands a service applied per second (docs/BENCHMARKS.md §17,
eighth round: the engagement database's connection was held 4.0-4.4 ms per
transaction at 32 clients, 1.5-1.8 of them the process's own CPU).

So here:

- **Statements run in place**, on the calling thread, with SQLite's busy timeout at
  zero: they never wait on a lock with the event loop blocked. A statement SQLite
  answers `SQLITE_BUSY` (another process writes the same file: an `ecohost` command,
  a backup) is run again on aiosqlite's thread, where it waits up to
  `BUSY_WAIT_MS` as every statement did before. A busy statement has done nothing,
  so running it again is safe.
- **A commit with something to commit goes to the thread**: its fsync
  (`synchronous=FULL`) is I/O the event loop should not sit through. A commit of a
  transaction that wrote nothing, and a rollback (WAL discards in memory), run in place.
- **Bulk statements** go to the thread too, so the loop keeps serving while they run: an
  `executemany` of more than `IN_PLACE_ROWS` rows (an import's thousands), a statement
  with more than `IN_PLACE_PARAMETERS` parameters (SQLAlchemy's batched INSERT …
  RETURNING, a long IN list). A heavy statement with few parameters runs in place and
  holds the service while it runs, so periodic clean-ups go in batches of their own
  (`kit.idempotency.purge_expired`: 500 answers a transaction): a limit of the embedded
  default.
- Server-side cursors (`stream`), which fetch lazily, keep SQLAlchemy's class, their
  statement run on the thread like any wait.

The thread and the loop never use the connection at once, nor out of order: a
statement runs in place only while no call of ours is queued or running on the thread
(one sent by a task cancelled meanwhile still runs), and both sides hold the
adapter's `threading.Lock` around their sqlite3 calls. The sqlite3 connection is opened
with `check_same_thread=False` for that reason. `kit.db.create_engine` passes `dbapi()` as
the engine's DBAPI module.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)
from sqlalchemy.util import EMPTY_DICT, await_

T = TypeVar("T")

BUSY_WAIT_MS = 30_000
"""How long a statement waits on another process's lock (on aiosqlite's thread)."""

IN_PLACE_ROWS = 100
"""An `executemany` with more rows than this runs on the thread, not in place."""

IN_PLACE_PARAMETERS = 1_000
"""A statement with more parameters than this runs on the thread: SQLAlchemy sends a
bulk INSERT … RETURNING as batches of up to 1,000 rows in single statements
("insertmanyvalues"), and a long IN list is as heavy."""


def _busy(exc: BaseException) -> bool:
    """SQLite refused because another connection holds a lock (`SQLITE_BUSY` and its
    extended codes)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_BUSY


class InPlaceCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement runs in place, and on aiosqlite's thread only when it
    must wait (busy) or is bulk."""

    __slots__ = ("_arraysize", "_closed", "_description", "_lastrowid", "_rowcount")

    _adapt_connection: InPlaceConnection

    def __init__(self, adapt_connection: InPlaceConnection) -> None:
        # No aiosqlite cursor is opened here: each statement opens and closes a
        # sqlite3 cursor where it runs.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._arraysize = 1  # sqlite3's default
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._closed = False

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing to close: the sqlite3 cursor was closed where the statement ran."""

    def close(self) -> None:
        self._closed = True  # used again, it refuses as a closed stock cursor does
        super().close()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._begin_statement()
        bulk = parameters is not None and len(parameters) > IN_PLACE_PARAMETERS
        self._adapt_connection.run(self._run, operation, parameters, on_thread=bulk)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._begin_statement()
        bulk = len(seq_of_parameters) > IN_PLACE_ROWS
        self._adapt_connection.run(self._run_many, operation, seq_of_parameters, on_thread=bulk)

    def _begin_statement(self) -> None:
        """A closed cursor refuses; otherwise the last statement's results are forgotten
        first, so a failing statement leaves none behind (as sqlite3's cursor does)."""
        if self._closed:
            raise self._adapt_connection.dbapi.ProgrammingError(
                "Cannot operate on a closed cursor."
            )
        self._description = None
        self._rowcount = -1
        self._lastrowid = None

    def _run(self, operation: Any, parameters: Any) -> None:
        cursor = self._connection._conn.cursor()
        try:
            if parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            rows: Sequence[Any] = cursor.fetchall() if cursor.description else ()
            self._keep(cursor, rows)
        finally:
            cursor.close()

    def _run_many(self, operation: Any, seq_of_parameters: Any) -> None:
        cursor = self._connection._conn.cursor()
        try:
            cursor.executemany(operation, seq_of_parameters)
            self._keep(cursor, ())
        finally:
            cursor.close()

    def _keep(self, cursor: sqlite3.Cursor, rows: Sequence[Any]) -> None:
        self._description = cursor.description
        self._rowcount = cursor.rowcount
        self._lastrowid = cursor.lastrowid
        if cursor.description:  # a statement with rows replaces them, as the adapter does
            self._rows = deque(rows)


class WaitingStreamCursor(AsyncAdapt_aiosqlite_ss_cursor):
    """SQLAlchemy's server-side cursor (`stream`), its statement run on the thread as the
    connection's waits are: locked, counted, allowed `BUSY_WAIT_MS` (the connection's
    own busy timeout is zero). Its rows are then fetched lazily as the stock one does."""

    __slots__ = ()

    _adapt_connection: InPlaceConnection

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        statement = self._cursor._cursor  # type: ignore[attr-defined]  # sqlite3 cursor under aiosqlite's
        await self._adapt_connection.on_thread(
            statement.execute, operation, () if parameters is None else parameters
        )


class InPlaceConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_finished", "_sent", "_sqlite_lock")

    _cursor_cls = InPlaceCursor  # type: ignore[assignment]  # SQLAlchemy's stub: its own class only
    _ss_cursor_cls = WaitingStreamCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:  # an aiosqlite.Connection
        super().__init__(dbapi, connection)
        self._sqlite_lock = threading.Lock()
        self._sent = self._finished = 0  # calls sent to the thread, and finished there
        with self._sqlite_lock:
            connection._conn.execute("PRAGMA busy_timeout=0")  # in place, never wait

    def run(self, fn: Callable[..., T], *args: Any, on_thread: bool = False) -> T:
        """`fn(*args)` with the connection: in place unless `on_thread` (or the thread
        is in use), and on the thread again when SQLite says busy. DBAPI errors come
        out as SQLAlchemy's adapter raises them."""
        try:
            # Through `await_` even in place: SQLAlchemy's async API checks that the
            # driver awaited (a greenlet switch, no trip to the event loop).
            return await_(self._run(fn, args, on_thread))
        except Exception as error:
            self._handle_exception(error)

    async def _run(self, fn: Callable[..., T], args: tuple[Any, ...], on_thread: bool) -> T:
        # In place only while the thread has nothing of ours queued or running: a call
        # sent there by a task that was then cancelled still runs, and what comes next
        # on the connection must come after it.
        if not on_thread and self._sent == self._finished:
            try:
                with self._sqlite_lock:
                    return fn(*args)
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
        return await self.on_thread(fn, *args)

    async def on_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on aiosqlite's thread, after whatever is queued there."""
        self._sent += 1
        try:
            return await self._connection._execute(self._waiting, fn, *args)  # type: ignore[no-any-return]
        except ValueError:
            if self._connection._connection is None:  # closed: nothing was queued
                self._sent -= 1
            raise

    def _waiting(self, fn: Callable[..., T], *args: Any) -> T:
        """On aiosqlite's thread: `fn` allowed to wait `BUSY_WAIT_MS` for a lock."""
        conn = self._connection._conn
        try:
            with self._sqlite_lock:
                conn.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
                try:
                    return fn(*args)
                finally:
                    conn.execute("PRAGMA busy_timeout=0")
        finally:
            # Written by this thread only, as `_sent` is by the loop's: no race.
            self._finished += 1

    def commit(self) -> None:
        conn = self._connection._connection
        if conn is not None:  # closed: nothing to do, as SQLAlchemy's adapter
            # Nothing written, nothing to make durable: no fsync, no trip.
            self.run(conn.commit, on_thread=conn.in_transaction)

    def rollback(self) -> None:
        conn = self._connection._connection
        if conn is not None:
            self.run(conn.rollback)


class InPlaceDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> InPlaceConnection:
        # The loop's thread runs statements on a connection aiosqlite's thread opened.
        kw["check_same_thread"] = False
        adapted = super().connect(*arg, **kw)
        return InPlaceConnection(self, adapted._connection)


def dbapi() -> InPlaceDBAPI:
    """The DBAPI module for `create_async_engine(..., module=dbapi())`."""
    return InPlaceDBAPI(aiosqlite, sqlite3)
