"""Events from the engagement service on real JetStream: the scorecard opens when an
engagement enters the evaluation stage, exactly once under redelivery, and workflow
facts become evidence for suggested scores (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import date

from nats.aio.client import Client
from sqlalchemy import func, select

from contracts.core import EVENT_STREAM, EventEnvelope
from contracts.engagement.event_data import TrainingHeldData
from contracts.engagement.events import TrainingHeldV1
from contracts.evaluation import rpc as ev
from kit.bus import ensure_event_stream
from kit.consumer import EventConsumer
from kit.db import Database
from kit.ids import new_id
from services.evaluation import handlers, queries
from services.evaluation.models import Evidence, Scorecard, messaging
from tests.evaluation.conftest import Engagement, envelope


async def publish(nc: Client, event: EventEnvelope, msg_id: str | None = None) -> None:
    await nc.jetstream().publish(
        event.subject,
        event.model_dump_json().encode(),
        headers={"Nats-Msg-Id": msg_id or str(event.event_id)},
    )


async def drain(consumer: EventConsumer, nc: Client) -> None:
    """Run the consumer until it has nothing pending or unacknowledged."""
    js = nc.jetstream()
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        async with asyncio.timeout(30):
            while True:
                await asyncio.sleep(0.1)
                try:
                    info = await js.consumer_info(EVENT_STREAM, consumer.durable)
                except Exception:  # noqa: S112 - not declared yet
                    continue
                if info.num_pending == 0 and info.num_ack_pending == 0:
                    break
    finally:
        stop.set()
        await task


async def test_R7_1_scorecard_opens_once_when_the_engagement_enters_evaluation(
    db: Database, nc: Client
):
    js = nc.jetstream()
    await ensure_event_stream(js)
    eng = Engagement.new("440305")
    entered = eng.entered_evaluation()
    await publish(nc, eng.unit_registered())
    await publish(nc, eng.created())
    # The same event under two message ids passes the stream's dedupe, as a
    # redelivery after a lost ack would; a second, distinct entry must not open
    # another scorecard either.
    await publish(nc, entered, f"{entered.event_id}-first")
    await publish(nc, entered, f"{entered.event_id}-again")
    await publish(nc, eng.entered_evaluation())
    training = TrainingHeldData(
        training_id=new_id(),
        topic="危废规范化管理",
        held_on=date(2027, 4, 1),
        attendees=12,
        has_records=True,
    )
    await publish(nc, envelope(TrainingHeldV1, training, eng.engagement_id))

    sub = handlers.ENGAGEMENTS
    consumer = EventConsumer(
        js=js,
        db=db,
        tables=messaging,
        durable=f"{sub.durable}-{new_id().hex[:8]}",
        filter_subjects=sub.subjects,
        handler=sub.handler,
        events=sub.events,
    )
    await drain(consumer, nc)

    assert consumer.duplicates >= 1
    async with db.transaction() as s:
        cards = list(
            (
                await s.execute(
                    select(Scorecard).where(Scorecard.engagement_id == eng.engagement_id)
                )
            ).scalars()
        )
        evidence = (
            await s.execute(
                select(func.count())
                .select_from(Evidence)
                .where(Evidence.engagement_id == eng.engagement_id)
            )
        ).scalar_one()
        opened = (
            await s.execute(
                select(func.count())
                .select_from(messaging.outbox)
                .where(messaging.outbox.c.payload.contains(str(cards[0].id)))
            )
        ).scalar_one()
        [card] = cards
        view = (
            await queries.get_scorecards(
                s, ev.GetScorecardsRequest(ids=[card.id], scope=eng.scope())
            )
        ).items[0]
    assert card.source_event_id == entered.event_id
    assert (card.period_label, card.region_code, card.opened_by) == ("2027", "440305", "pm-li")
    assert evidence == 1
    assert opened == 1  # one evaluation.scorecard_opened.v1 in the outbox
    assert view is not None
    assert view.opened_automatically
