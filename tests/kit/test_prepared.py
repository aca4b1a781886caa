"""kit.prepared: a statement run on the driver's cursor writes what `session.execute` writes
(the same stored values, JSON null apart from SQL NULL, UUIDs, dates, timestamps), in the
session's transaction (rolled back with it), raises SQLAlchemy's errors, refuses an INSERT
that would leave a column's Python default unset, and with tracing on goes through the
session; on both databases. A connection lost under it is invalidated, as through the
session."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Date, String, Table, bindparam, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit import prepared, tracing
from kit.db import Database, UtcDateTime, database_unreachable, service_metadata
from tests.infra.databases import database_with


class Base(DeclarativeBase):
    metadata = service_metadata()


class Row(Base):
    __tablename__ = "prepared_row"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    tags: Mapped[list[str]] = mapped_column(JSON)
    terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(40))


class Dotted(Base):
    """A column whose name SQLAlchemy escapes in bind parameter names."""

    __tablename__ = "prepared_dotted"
    id: Mapped[int] = mapped_column(primary_key=True)
    dotted: Mapped[str] = mapped_column("a.b", String(16))


class Defaulted(Base):
    __tablename__ = "prepared_defaulted"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="active")


TABLE: Table = Row.__table__  # type: ignore[assignment]
INSERT = prepared.Prepared(insert(TABLE))
NAME_OF = prepared.Prepared(select(TABLE.c.name).where(TABLE.c.id == bindparam("id")))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, Base.metadata) as database:
        yield database


def _row(n: int, **given: Any) -> dict[str, Any]:
    return {
        "id": uuid.UUID(int=n),
        "name": f"row {n}",
        "on": date(2027, 1, n),
        "at": datetime(2027, 1, n, 8, 30, 15, 123456, tzinfo=UTC),
        "tags": ["a", "b"],
        "terms": None,  # JSON null, as the ORM writes None to a JSON column
        **given,
    }


async def _stored(db: Database) -> list[Any]:
    """The rows as the database holds them (PostgreSQL's row text keeps JSON null apart)."""
    rows = "SELECT * FROM prepared_row ORDER BY name"
    if db.engine.dialect.name == "postgresql":
        rows = f"SELECT t::text FROM ({rows}) t"  # noqa: S608
    async with db.engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(text(rows))]


async def test_the_same_rows_as_through_the_session(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(insert(TABLE), _row(1))
        await session.execute(insert(TABLE), _row(2, terms={"k": 1}, note="n"))
    by_session = await _stored(db)
    async with db.engine.begin() as conn:
        await conn.execute(TABLE.delete())
    async with db.transaction() as session:
        await prepared.execute(
            session, (INSERT, _row(1)), (INSERT, _row(2, terms={"k": 1}, note="n"))
        )
    assert await _stored(db) == by_session
    assert len(by_session) == 2


async def test_a_scalar_in_the_transaction_and_none_without_a_row(db: Database) -> None:
    async with db.transaction() as session:
        await prepared.execute(session, (INSERT, _row(3)))
        assert await prepared.scalar(session, NAME_OF, {"id": uuid.UUID(int=3)}) == "row 3"
        assert await prepared.scalar(session, NAME_OF, {"id": uuid.UUID(int=4)}) is None


async def test_rolled_back_with_the_transaction(db: Database) -> None:
    class Refused(Exception):
        pass

    async def refused() -> None:
        async with db.transaction() as session:
            await prepared.execute(session, (INSERT, _row(4)))
            raise Refused

    with pytest.raises(Refused):
        await refused()
    assert await _stored(db) == []


async def test_a_driver_error_is_sqlalchemys(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await prepared.execute(session, (INSERT, _row(5)), (INSERT, _row(5)))
    assert await _stored(db) == []
    async with db.transaction() as session:  # the connection is usable again
        await prepared.execute(session, (INSERT, _row(6)))
    assert len(await _stored(db)) == 1


async def test_a_lost_connection_fails_as_unreachable_then_the_pool_recovers(
    db: Database, database_url: str
) -> None:
    """As through the session: the error says the connection was lost (so the caller
    hears ServiceUnavailable, `kit.rpc`), and the connection is not used again."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server ends the connection")

    async def lost() -> None:
        async with db.transaction() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
            other = create_async_engine(database_url)
            async with other.connect() as conn:
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await other.dispose()
            await prepared.execute(session, (INSERT, _row(8)))

    with pytest.raises(DBAPIError) as raised:
        await lost()
    assert raised.value.connection_invalidated
    assert database_unreachable(raised.value)
    async with db.transaction() as session:
        await prepared.execute(session, (INSERT, _row(9)))
    assert len(await _stored(db)) == 1


async def test_an_insert_leaving_a_python_default_is_refused(db: Database) -> None:
    statement = prepared.Prepared(insert(Defaulted.__table__))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="status"):
        async with db.transaction() as session:
            await prepared.execute(session, (statement, {"id": 1}))


async def test_an_in_list_is_refused_not_sent_as_a_placeholder(db: Database) -> None:
    names = prepared.Prepared(select(TABLE.c.id).where(TABLE.c.name.in_(bindparam("names"))))
    with pytest.raises(ValueError, match="IN lists"):
        async with db.transaction() as session:
            await prepared.execute(session, (names, {"names": ["a", "b"]}))


async def test_a_column_whose_bind_name_is_escaped(db: Database) -> None:
    table: Table = Dotted.__table__  # type: ignore[assignment]
    async with db.transaction() as session:
        await prepared.execute(session, (prepared.Prepared(insert(table)), {"id": 1, "a.b": "x"}))
    async with db.transaction() as session:
        assert (await session.execute(select(table.c["a.b"]))).scalars().all() == ["x"]


async def test_with_tracing_on_through_the_session(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(tracing, "enabled", lambda: True)
    async with db.transaction() as session:
        original = session.execute

        async def execute(statement: Any, params: Any = None) -> Any:
            sent.append(statement)
            return await original(statement, params)

        monkeypatch.setattr(session, "execute", execute)
        await prepared.execute(session, (INSERT, _row(7)))
    assert sent == [INSERT.statement]
    assert len(await _stored(db)) == 1
