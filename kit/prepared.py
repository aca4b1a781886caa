"""Prebuilt statements run on the driver's cursor, past SQLAlchemy's execution.

A prebuilt Core statement executed through a session still costs SQLAlchemy's execution
path each time: about 140 Python calls, some 100 µs of CPU, for an INSERT of one row
(the session, a greenlet, the compiled cache, an execution context, a result). In
createEngagement that was most of the handler's calls (docs/BENCHMARKS.md §17, eighth
round). A `Prepared` statement is compiled once per dialect and its parameters are
processed by the same bind processors SQLAlchemy's execution applies, so the database
receives the same SQL and the same values (the same stored rows). It then runs on the
DBAPI cursor of the session's connection: SQLAlchemy's own adapters, so the transaction
is the session's (begun as for any statement; asyncpg's transaction is started by its
adapter, SQLite's by sqlite3) and on SQLite it runs in place (`kit.sqlite_driver`). A
driver error goes through SQLAlchemy's own handling, as for any statement
(`sqlalchemy.exc.IntegrityError` …, a lost connection invalidated with its pool).

What is skipped, so what a statement here may not need: Python-side column defaults (an
INSERT names every column it writes; building one that leaves a defaulted column out is
refused), result processing (a row's values come as the driver gives them: plain types
only, e.g. a `String`), and the engine's execution events. With tracing on, those events
make a span per statement (`kit.tracing.instrument_engine`), so then the statement goes
through the session as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable, Insert
from sqlalchemy.sql.compiler import SQLCompiler

from kit import tracing

Params = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement's SQL for one dialect and how to turn a parameter dict into the
    driver's positional parameters."""

    compiled: SQLCompiler
    names: tuple[str, ...]
    """The parameters' keys in `construct_params`, in the SQL's order."""
    processors: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, params: Params) -> list[Any]:
        values = self.compiled.construct_params(params)  # the statement's own bound values too
        assert values is not None
        return [
            value if process is None else process(value)
            for value, process in zip(
                [values[name] for name in self.names], self.processors, strict=True
            )
        ]


class Prepared:
    """One statement, compiled at its first use on each dialect; an INSERT for the
    columns its parameters name (as SQLAlchemy compiles one), once per such set."""

    __slots__ = ("_compiled", "_insert", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._insert = isinstance(statement, Insert)
        self._compiled: dict[tuple[str, str, tuple[str, ...] | None], _Compiled] = {}

    def on(self, dialect: Dialect, params: Params) -> _Compiled:
        # The driver and its paramstyle too: two drivers of one database write their
        # parameters differently (asyncpg `$1`, psycopg `%(name)s`).
        key = (dialect.name, dialect.driver, tuple(params) if self._insert else None)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._compile(dialect, key[2])
        return found

    def _compile(self, dialect: Dialect, columns: tuple[str, ...] | None) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=columns)  # type: ignore[attr-defined]
        assert isinstance(compiled, SQLCompiler)
        if compiled.insert_prefetch or compiled.update_prefetch:
            # SQLAlchemy would compute these columns' Python defaults; nothing does here.
            missing = [c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise ValueError(f"a prepared statement must name its defaulted columns: {missing}")
        if compiled.post_compile_params or compiled.literal_execute_params:
            # An expanding IN list or a literal rendered per execution: SQLAlchemy
            # rewrites the SQL for each call, which a statement compiled once cannot.
            raise ValueError("a prepared statement cannot have IN lists or literal_execute")
        if compiled.positiontup is None:
            raise ValueError(f"{dialect.name}: a positional paramstyle is expected")
        names = tuple(compiled.positiontup)
        processors = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        # A bind name that needed escaping (a column `a.b`) comes out of
        # `construct_params` escaped (`a_b`).
        escaped = compiled.escaped_bind_names
        return _Compiled(compiled, tuple(escaped.get(n, n) for n in names), processors)


async def execute(session: AsyncSession, *statements: tuple[Prepared, Params]) -> None:
    """Run each statement with its parameters, in order, in the session's transaction."""
    if tracing.enabled():
        for prepared, params in statements:
            await session.execute(prepared.statement, dict(params))
        return
    await session.run_sync(_run_all, statements)


async def scalar(session: AsyncSession, prepared: Prepared, params: Params) -> Any:
    """The first column of the statement's first row, or None when it has none."""
    if tracing.enabled():
        return await session.scalar(prepared.statement, dict(params))
    rows = await session.run_sync(_run_all, ((prepared, params),))
    return rows[0][0] if rows else None


def _run_all(session: Session, statements: Sequence[tuple[Prepared, Params]]) -> Sequence[Any]:
    """In the session's greenlet: each statement on one DBAPI cursor; the last one's rows."""
    connection = session.connection()
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    rows: Sequence[Any] = ()
    try:
        for prepared, params in statements:
            compiled = prepared.on(dialect, params)
            parameters = compiled.parameters(params)
            try:
                cursor.execute(compiled.compiled.string, parameters)
                rows = cursor.fetchall() if cursor.description else ()
            except BaseException as exc:
                # SQLAlchemy's own handling, as `Connection.execute` does it: a DBAPI
                # error wrapped in its class (`IntegrityError` …), a lost connection
                # invalidated with the rest of the pool, a cancelled statement's
                # connection invalidated, the engine's `handle_error` events. It raises.
                connection._handle_dbapi_exception(
                    exc, compiled.compiled.string, parameters, cursor, None
                )
    finally:
        cursor.close()
    return rows
