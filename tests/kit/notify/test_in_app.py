"""In-app reminders become one outbox event each, written in the transaction that
marks them sent (so the outbox relay publishes each exactly once)."""

from __future__ import annotations

import json

from sqlalchemy import select

from kit.db import Database
from kit.messaging import MessagingTables
from kit.notify import (
    Channel,
    DeliveryWorker,
    InAppTransport,
    Outcome,
    Status,
    delivery_log,
    get_notification,
    notifications_of,
    schedule,
)
from tests.kit.notify.conftest import SERVICE
from tests.kit.notify.factories import TENANT, reminder


async def test_R6_1_2_an_in_app_reminder_is_one_outbox_event_for_its_recipient(
    db: Database, messaging: MessagingTables
):
    items = [reminder(i, channel=Channel.IN_APP) for i in range(3)]
    async with db.transaction() as session:
        await schedule(session, items, quiet_hours=None)
    worker = DeliveryWorker(db, [InAppTransport(messaging, service=SERVICE)])
    assert await worker.drain() == 3
    assert await worker.drain() == 0
    async with db.transaction() as session:
        rows = (await session.execute(select(messaging.outbox).order_by("seq"))).all()
        mine = await notifications_of(session, TENANT, "person-0001")
        log = await delivery_log(session, TENANT, key=items[1].key)
    assert [r.subject for r in rows] == [f"ecohost.events.{SERVICE}.notification.v1"] * 3
    events = {json.loads(r.payload)["data"]["key"]: json.loads(r.payload) for r in rows}
    event = events[items[1].key]
    assert event["tenant"] == TENANT
    assert event["actor"] == f"system:{SERVICE}"
    assert event["data"] == {
        "key": items[1].key,
        "recipient": "person-0001",
        "subject": items[1].subject,
        "body": items[1].body,
        "data": items[1].data,
        "due_at": items[1].due_at.isoformat(),
    }
    assert [(n.key, n.status) for n in mine] == [(items[1].key, Status.SENT)]
    assert [a.outcome for a in log] == [Outcome.SENT]


async def test_a_channel_without_a_transport_fails_visibly(db: Database):
    item = reminder(1, channel=Channel.IN_APP)
    async with db.transaction() as session:
        await schedule(session, [item], quiet_hours=None)
    assert await DeliveryWorker(db, []).drain() == 1
    async with db.transaction() as session:
        row = await get_notification(session, item.key)
        log = await delivery_log(session, TENANT)
    assert row is not None
    assert row.status is Status.FAILED
    assert row.last_error == "no transport for channel in_app"
    assert [(a.outcome, a.error) for a in log] == [(Outcome.FAILED, row.last_error)]
