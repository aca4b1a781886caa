"""kit.counters: a counter is the sum of its slots; each pooled connection adds to its
own slot, so on PostgreSQL a transaction adding to a counter does not wait for another
that added to it and has not committed (one row per counter made every such
transaction queue behind the one before it); SQLite counts in slot 0; and the slots
sum right whatever adds where, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import String, Table, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.counters import SLOTS, add_to_counters, counter_slot
from kit.db import Database, is_sqlite, service_metadata
from tests.infra.counters import summed
from tests.infra.databases import database_with


class Base(DeclarativeBase):
    metadata = service_metadata()


class Tally(Base):
    __tablename__ = "test_tally"
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[str] = mapped_column(String(16), primary_key=True)
    slot: Mapped[int] = counter_slot()
    n: Mapped[int]


TABLE: Table = Tally.__table__  # type: ignore[assignment]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, Base.metadata) as database:
        yield database


async def add(db: Database, *changes: tuple[str, str, int]) -> None:
    async with db.transaction() as s:
        rows = [{"region_code": r, "value": v, "n": n} for r, v, n in changes]
        await add_to_counters(s, TABLE, rows)


async def slots(db: Database) -> dict[tuple[str, str, int], int]:
    async with db.transaction() as s:
        rows = await s.execute(select(Tally.region_code, Tally.value, Tally.slot, Tally.n))
        return {(r, v, slot): n for r, v, slot, n in rows}


async def test_the_counts_are_the_sums_of_the_slots(db: Database):
    await add(db, ("440305", "a", 1), ("440305", "b", 2))
    await add(db, ("440305", "a", 1), ("110101", "a", 5))
    await add(db, ("440305", "b", -2))
    await add(db)  # nothing to add: no statement

    assert await summed(db, Tally.region_code, Tally.value) == {
        ("440305", "a"): 2,
        ("110101", "a"): 5,
    }


async def test_two_open_transactions_add_to_one_counter(db: Database):
    """Both land, and on PostgreSQL the second does not wait for the first: each
    connection has a slot of its own (lock_timeout turns a wait into an error)."""
    async with db.transaction() as first:
        await add_to_counters(first, TABLE, [{"region_code": "440305", "value": "a", "n": 1}])
        if not is_sqlite(db.url):  # SQLite: one writer at a time, the second comes after
            async with db.transaction() as second:
                await second.execute(text("SET LOCAL lock_timeout = '5s'"))
                row = {"region_code": "440305", "value": "a", "n": 1}
                await add_to_counters(second, TABLE, [row])
    if is_sqlite(db.url):
        await add(db, ("440305", "a", 1))

    assert await summed(db, Tally.region_code, Tally.value) == {("440305", "a"): 2}
    used = sorted(slot for (_, _, slot) in await slots(db))
    if is_sqlite(db.url):
        assert used == [0]
    else:
        assert len(used) == 2
        assert all(0 <= slot < SLOTS for slot in used)


async def test_a_connection_keeps_its_slot_and_the_slots_are_bounded(db: Database):
    """The same connection adds to the same row every time (here one pooled connection
    used again and again); every slot written is one of the SLOTS."""
    for _ in range(5):
        await add(db, ("440305", "a", 1))
    rows = await slots(db)
    assert list(rows.values()) == [5]
    ((_, _, slot),) = rows
    assert 0 <= slot < SLOTS
    if is_sqlite(db.url):
        assert slot == 0


async def test_a_slot_may_go_below_zero_the_sum_does_not(db: Database):
    """Counted up on one connection and down on another: the slots are +1 and -1 (on
    PostgreSQL), the counter 0, left out of the sums."""
    async with db.transaction() as up:
        await add_to_counters(up, TABLE, [{"region_code": "440305", "value": "a", "n": 1}])
        if not is_sqlite(db.url):
            async with db.transaction() as down:
                row = {"region_code": "440305", "value": "a", "n": -1}
                await add_to_counters(down, TABLE, [row])
    if is_sqlite(db.url):
        await add(db, ("440305", "a", -1))

    assert await summed(db, Tally.region_code, Tally.value) == {}
    async with db.transaction() as s:
        total = await s.scalar(select(func.sum(Tally.n)))
    assert total == 0
    values = sorted((await slots(db)).values())
    assert values == ([0] if is_sqlite(db.url) else [-1, 1])
