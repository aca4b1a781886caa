"""`schedule`: in the caller's transaction, exactly once per key, out of quiet hours."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select

from kit.db import Database
from kit.notify import Channel, QuietHours, Status, get_notification, schedule
from kit.notify.tables import notifications
from tests.kit.notify.factories import TENANT, reminder


async def _count(db: Database) -> int:
    async with db.transaction() as session:
        return int(
            (await session.execute(select(func.count()).select_from(notifications))).scalar_one()
        )


async def test_schedule_inserts_each_key_once_and_counts_only_new_rows(db: Database):
    first = [reminder(i) for i in range(5)]
    async with db.transaction() as session:
        assert await schedule(session, first, quiet_hours=None) == 5
    again = [*first[2:], reminder(5), reminder(5)]  # three old keys, one new twice
    async with db.transaction() as session:
        assert await schedule(session, again, quiet_hours=None) == 1
    assert await _count(db) == 6
    async with db.transaction() as session:
        stored = await get_notification(session, first[0].key)
    assert stored is not None
    assert stored.status is Status.PENDING
    assert stored.attempts == 0
    assert stored.tenant == TENANT
    assert stored.channel is Channel.EMAIL
    assert stored.subject == first[0].subject
    assert stored.data == {"occurrence": "occ-0000", "unit": "单位0000", "lead_days": 7}


async def test_a_rescheduled_key_keeps_its_first_content(db: Database):
    original = reminder(1)
    async with db.transaction() as session:
        await schedule(session, [original], quiet_hours=None)
    async with db.transaction() as session:
        changed = replace(original, subject="另一个主题")
        assert await schedule(session, [changed], quiet_hours=None) == 0
        stored = await get_notification(session, original.key)
    assert stored is not None
    assert stored.subject == original.subject


async def test_schedule_rolls_back_with_the_callers_transaction(db: Database):
    class Refused(Exception):
        pass

    async def failing_use_case() -> None:
        async with db.transaction() as session:
            await schedule(session, [reminder(1)], quiet_hours=None)
            raise Refused  # the state change that caused it failed

    with pytest.raises(Refused):
        await failing_use_case()
    assert await _count(db) == 0


async def test_concurrent_transactions_scheduling_the_same_keys_make_one_row_each(db: Database):
    batch = [reminder(i) for i in range(20)]

    async def one() -> int:
        async with db.transaction() as session:
            return await schedule(session, batch, quiet_hours=None)

    results = await asyncio.gather(one(), one(), one())
    assert sorted(results) == [0, 0, 20]
    assert await _count(db) == 20


async def test_schedule_moves_a_due_time_out_of_quiet_hours(db: Database):
    # 23:30 in Shanghai is 15:30 UTC; quiet hours 22:00–08:00 end at 08:00 Shanghai
    # the next day, 00:00 UTC.
    late = reminder(1, due_at=datetime(2027, 1, 20, 15, 30, tzinfo=UTC))
    day = reminder(2, due_at=datetime(2027, 1, 20, 3, 0, tzinfo=UTC))  # 11:00 Shanghai
    async with db.transaction() as session:
        await schedule(session, [late, day], quiet_hours=QuietHours(time(22), time(8)))
        moved = await get_notification(session, late.key)
        kept = await get_notification(session, day.key)
    assert moved is not None
    assert kept is not None
    assert moved.due_at == datetime(2027, 1, 21, 0, 0, tzinfo=UTC)
    assert moved.next_attempt_at == moved.due_at
    assert kept.due_at == datetime(2027, 1, 20, 3, 0, tzinfo=UTC)


async def test_a_large_batch_is_inserted_in_chunks(db: Database):
    async with db.transaction() as session:
        assert await schedule(session, [reminder(i) for i in range(2500)], quiet_hours=None) == 2500
    assert await _count(db) == 2500
