"""aiosqlite under SQLAlchemy, one trip to its thread per statement.

aiosqlite runs every sqlite3 call on a thread of its own; each call is a trip there and
back (a queue, a future, the event loop woken from the thread): about 22 µs of CPU on
this machine. SQLAlchemy's adapter makes three or four such trips for one statement
(make a cursor, execute, fetch the rows when there are any, close the cursor), so a
createEngagement in the engagement process, with its relay, made about 25 of them.

`OneTripCursor` does the same sqlite3 calls, in the same order, on the same thread and
connection, in one trip: the rows, description, rowcount and lastrowid come back
together and are read from memory afterwards, as the adapter already did for the rows.
Transactions are unchanged (sqlite3 still begins one before the first write, SQLAlchemy
commits and rolls back through the connection). Server-side cursors (`stream`), which
fetch lazily, keep SQLAlchemy's own class. `kit.db.create_engine` passes `dbapi()` as
the engine's DBAPI module.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement runs in one call on aiosqlite's thread."""

    __slots__ = ("_arraysize", "_closed", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is opened here (that was a trip of its own): each
        # statement opens and closes a sqlite3 cursor on the thread.
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
        """Nothing to close: the sqlite3 cursor was closed on the thread."""

    def close(self) -> None:
        self._closed = True  # used again, it refuses as a closed stock cursor does
        super().close()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        self._begin_statement()
        async with self._adapt_connection._execute_mutex:
            await self._connection._execute(self._run, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        self._begin_statement()
        async with self._adapt_connection._execute_mutex:
            await self._connection._execute(self._run_many, operation, seq_of_parameters)

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
        """On aiosqlite's thread: what the adapter's trips did, in one."""
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


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneTripCursor  # type: ignore[assignment]  # SQLAlchemy's stub: its own class only


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    """The DBAPI module for `create_async_engine(..., module=dbapi())`."""
    return OneTripDBAPI(aiosqlite, sqlite3)
