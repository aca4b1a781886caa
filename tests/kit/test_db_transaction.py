"""kit.db.Database.transaction: one unit of work, committed on success, rolled back on any
exception (a failed commit and a cancellation included), the connection always returned
and the session's objects detached, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import String, event, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.db import Database, service_metadata
from tests.infra.databases import database_with


class Base(DeclarativeBase):
    metadata = service_metadata()


class Parent(Base):
    __tablename__ = "tx_parent"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, Base.metadata) as database:
        yield database


async def _names(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return list((await conn.scalars(select(Parent.name).order_by(Parent.id))).all())


def _checked_out(db: Database) -> int:
    checked_out: int = db.engine.pool.checkedout()  # type: ignore[attr-defined]
    return checked_out


async def test_a_unit_that_ends_is_committed_and_its_objects_detached(db: Database) -> None:
    async with db.transaction() as session:
        parent = Parent(id=1, name="kept")
        session.add(parent)
        await session.flush()
    assert await _names(db) == ["kept"]
    assert inspect(parent).detached  # as a closed session leaves them
    assert parent.name == "kept"  # loaded, not expired (expire_on_commit=False)
    assert _checked_out(db) == 0


async def test_an_exception_rolls_back_and_is_raised(db: Database) -> None:
    class Refused(Exception):
        pass

    async def refused() -> None:
        async with db.transaction() as session:
            session.add(Parent(id=1, name="gone"))
            await session.flush()
            raise Refused

    with pytest.raises(Refused):
        await refused()
    assert await _names(db) == []
    assert _checked_out(db) == 0


async def test_a_failed_commit_rolls_back(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Parent(id=1, name="first"))

    async def conflicting() -> None:
        async with db.transaction() as session:
            session.add(Parent(id=2, name="second"))
            session.add(Parent(id=1, name="again"))  # flushed at the commit: a conflict

    with pytest.raises(IntegrityError):
        await conflicting()
    assert await _names(db) == ["first"]
    assert _checked_out(db) == 0


async def test_a_cancelled_unit_rolls_back_and_returns_its_connection(db: Database) -> None:
    written = asyncio.Event()

    async def unit() -> None:
        async with db.transaction() as session:
            session.add(Parent(id=1, name="cancelled"))
            await session.flush()
            written.set()
            await asyncio.Event().wait()  # until cancelled

    task = asyncio.create_task(unit())
    await written.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _checked_out(db) == 0
    assert await _names(db) == []


async def test_units_one_after_another_see_each_others_writes(db: Database) -> None:
    for n in range(3):
        async with db.transaction() as session:
            count = await session.scalar(select(func.count()).select_from(Parent))
            session.add(Parent(id=n + 1, name=f"n{count}"))
    assert await _names(db) == ["n0", "n1", "n2"]


async def test_an_exception_rolls_the_session_back_not_only_the_connection(db: Database) -> None:
    """A flushed object of a failed unit is transient again and `after_rollback` is sent
    (the ledger's tree cache listens for it), so a retry with the same object writes it."""
    rolled_back: list[object] = []
    parent = Parent(id=2, name="retried")

    async def failing() -> None:
        async with db.transaction() as session:
            event.listen(session.sync_session, "after_rollback", rolled_back.append)
            session.add(parent)
            await session.flush()
            raise LookupError

    with pytest.raises(LookupError):
        await failing()
    assert len(rolled_back) == 1
    assert inspect(parent).transient
    async with db.transaction() as session:
        session.add(parent)
    assert await _names(db) == ["retried"]
    assert _checked_out(db) == 0
