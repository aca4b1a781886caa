"""The upgrade from the archive's two consumers (`archive-trace`: the ledger;
`archive-filing`: filing) to its one consumer, on a deployment's JetStream state: the
one consumer keeps the trace's durable and position, the retired filing durable is
drained (`catalogue.retired_filing.drain`), then deleted. Whichever of the two lagged,
every event joins the ledger once, in stream order, and every filing happens once; events
published during the upgrade too (SQLite and PostgreSQL, a nats-server of its own)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from contracts.core import EVENT_STREAM, EVERY_EVENT_SUBJECT, EventEnvelope
from kit.bus import ensure_event_stream
from kit.consumer import EventConsumer
from kit.db import Database
from kit.ids import new_id
from kit.runtime import Subscription
from kit.storage.local import LocalStore
from services.archive.catalogue import repository
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.handlers import RETIRED_FILING, retired_filing_subscription
from services.archive.catalogue.models import ArchiveItem
from services.archive.catalogue.retired_filing import drain
from services.archive.handlers import archive_subscription
from services.archive.ledger import commands as ledger
from services.archive.ledger.models import LedgerLeaf
from services.archive.ledger.signing import Signer
from services.archive.models import messaging
from services.archive.settings import ArchiveSettings
from tests.archive.catalogue_steps import engagement_created_event, stage_report_event
from tests.archive.conftest import event as unfiled_event
from tests.archive.test_catalogue_filing_batch import CREATED
from tests.infra.nats_server import running_nats

# The ledger's consumer before the upgrade, as services/archive/ledger/handlers.py
# declared it.
OLD_TRACE = Subscription(
    durable="archive-trace",
    subjects=[EVERY_EVENT_SUBJECT],
    handler=ledger.record,
    batch_handler=ledger.record_many,
)


@pytest.fixture
async def js(tmp_path: Path) -> AsyncIterator[JetStreamContext]:
    with running_nats(tmp_path) as server:
        client = await nats.connect(server.url)
        context = client.jetstream()
        await ensure_event_stream(context)
        yield context
        await client.close()


@pytest.fixture
def deps(tmp_path: Path, signer: Signer) -> CatalogueDeps:
    store = LocalStore(tmp_path / "objects", signing_key=b"k", base_url="http://x/files")
    return CatalogueDeps(store=store, settings=ArchiveSettings(), signer=signer)


def consumer(js: JetStreamContext, db: Database, sub: Subscription) -> EventConsumer:
    return sub.consumer(js, db, messaging)


def engagement_history() -> list[EventEnvelope]:
    """A creation, an event of no engagement, two reports of the engagement."""
    created = engagement_created_event(new_id())
    created = created.model_copy(update={"data": {**CREATED, **created.data}})
    assert created.engagement_id is not None
    report, later = (
        stage_report_event(created.engagement_id),
        stage_report_event(created.engagement_id),
    )
    return [created, unfiled_event(), report, later]


async def publish(js: JetStreamContext, events: list[EventEnvelope]) -> None:
    for e in events:
        body = e.model_dump_json().encode()
        await js.publish(e.subject, body, headers={"Nats-Msg-Id": str(e.event_id)})


async def consume(js: JetStreamContext, db: Database, sub: Subscription, count: int) -> None:
    """The old consumer `sub` applies the first `count` events of its subjects, then
    stops."""
    old = consumer(js, db, sub)
    await old.declare()
    pull = await js.pull_subscribe_bind(durable=sub.durable, stream=EVENT_STREAM)
    msgs = await pull.fetch(count, timeout=5.0)
    assert len(msgs) == count
    await old.process_batch(msgs)
    await pull.unsubscribe()


async def upgrade(
    js: JetStreamContext, db: Database, deps: CatalogueDeps, more: list[EventEnvelope]
) -> None:
    """The new archive: its one consumer and the drain run, `more` events are published
    meanwhile; returns once the retired durable is gone and the one consumer is idle."""
    stop = asyncio.Event()
    one = consumer(js, db, archive_subscription(deps))
    running = asyncio.create_task(one.run(stop))
    try:
        draining = asyncio.create_task(
            drain(js, db, messaging, retired_filing_subscription(deps), stop)
        )
        await publish(js, more)
        async with asyncio.timeout(30):
            assert await draining
            while True:
                info = await js.consumer_info(EVENT_STREAM, "archive-trace")
                if not info.num_pending and not info.num_ack_pending:
                    break
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running
    with pytest.raises(NotFoundError):
        await js.consumer_info(EVENT_STREAM, RETIRED_FILING)


async def assert_traced_and_filed_once(db: Database, events: list[EventEnvelope]) -> None:
    async with db.transaction() as s:
        leaves = (
            await s.scalars(select(LedgerLeaf.event_id).order_by(LedgerLeaf.leaf_index))
        ).all()
        assert leaves == [e.event_id for e in events]  # each once, in stream order
        reports = [e.event_id for e in events if e.type.endswith("stage_report_accepted.v1")]
        filed = (await s.scalars(select(ArchiveItem.source_event_id))).all()
        assert sorted(filed, key=str) == sorted(reports, key=str)
        outbox = messaging.outbox
        filed_action = outbox.c.payload.like('%"action":"filed"%')
        filings = select(func.count()).select_from(outbox).where(filed_action)
        assert await s.scalar(filings) == len(reports)  # no `filed` action twice
        for e in events:
            if e.type == "engagement.created.v1":
                assert e.engagement_id is not None
                assert await repository.parties(s, e.engagement_id) is not None
        assert await s.scalar(select(func.count()).select_from(messaging.dead_letters)) == 0


@pytest.mark.parametrize(("trace", "filing"), [(8, 2), (3, 6)], ids=["filing-lags", "trace-lags"])
async def test_an_upgrade_traces_and_files_every_event_once(
    js: JetStreamContext, db: Database, deps: CatalogueDeps, trace: int, filing: int
) -> None:
    # 8 events, 6 of them filed: the trace then reaches the end or the third event,
    # filing the creation and first report of the first engagement or all 6.
    before = engagement_history() + engagement_history()
    await publish(js, before)
    await consume(js, db, OLD_TRACE, trace)
    await consume(js, db, retired_filing_subscription(deps), filing)

    during = engagement_history()
    await upgrade(js, db, deps, during)

    await assert_traced_and_filed_once(db, before + during)


async def test_a_new_deployment_has_nothing_to_drain_and_gets_no_filing_durable(
    js: JetStreamContext, db: Database, deps: CatalogueDeps
) -> None:
    """No `archive-filing` durable: the drain does nothing, and declares none (a
    declared one would deliver the whole stream to the old filing handler)."""
    retired = retired_filing_subscription(deps)
    assert not await drain(js, db, messaging, retired, asyncio.Event())
    with pytest.raises(NotFoundError):
        await js.consumer_info(EVENT_STREAM, RETIRED_FILING)
