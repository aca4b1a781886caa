"""The archive's one consumer of every event stores the rows its two consumers of before
stored (the ledger's `record_many`, then the filing consumer's handlers on the events
parsed as its classes: the reference), row for row, through its batch handler (falling
back event by event as the consumer does on NotBatchable) and its per-event handler:
the ledger's leaves, nodes and chains, the parties, the filed items with their bytes'
hash, the `filed` actions' subjects. A batch holding a report is declined before
anything is written, and a report its class refuses joins the ledger while its filing
is kept as the filing consumer's dead letter (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope, EventParser
from kit.db import Database
from kit.ids import new_id
from kit.inbox import NotBatchable, one_after_another
from kit.storage.local import LocalStore
from services.archive.catalogue import repository
from services.archive.catalogue.commands import filing
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.handlers import RETIRED_FILING, retired_filing_subscription
from services.archive.catalogue.models import ArchiveItem
from services.archive.handlers import archive_subscription
from services.archive.ledger import commands as ledger
from services.archive.ledger.models import LedgerLeaf
from services.archive.ledger.signing import Signer
from services.archive.models import messaging
from services.archive.settings import ArchiveSettings
from tests.archive.catalogue_steps import engagement_created_event, stage_report_event
from tests.archive.conftest import event as unfiled_event
from tests.archive.test_catalogue_filing_batch import CREATED
from tests.intake_rows import same_rows

TABLES = {
    "ledger_leaf": (
        "leaf_index, event_id, event_type, payload_sha256, engagement_id, chain_seq, "
        "chain_hash, leaf_hash",
        "leaf_index",
    ),
    "ledger_node": ("level, node_index, hash", "level, node_index"),
    "trace_entry": ("engagement_id, seq, event_id, prev_hash, entry_hash", "engagement_id, seq"),
    "engagement_parties": ("engagement_id, agency_id, unit_id, client_id", "engagement_id"),
    "archive_item": (
        "id, engagement_id, client_id, category, title, size, sha256, version, object_key, "
        "source_event_id, document_date, metadata",
        "id",
    ),
    "outbox": ("subject", "subject"),
}


@pytest.fixture
def deps(tmp_path: Path, signer: Signer) -> CatalogueDeps:
    store = LocalStore(tmp_path / "objects", signing_key=b"k", base_url="http://x/files")
    return CatalogueDeps(store=store, settings=ArchiveSettings(), signer=signer)


def wire(event: EventEnvelope) -> EventEnvelope:
    """The event as the one consumer reads it off the wire: the bare envelope."""
    return EventParser()(event.model_dump_json().encode())


def creation(client: bool = False, engagement: UUID | None = None) -> EventEnvelope:
    event = engagement_created_event(engagement or new_id())
    extra = {"client_id": str(new_id())} if client else {}
    return wire(event.model_copy(update={"data": {**CREATED, **event.data, **extra}}))


def history() -> list[list[EventEnvelope]]:
    """Fetched batches: creations (one naming its client), an event of no engagement,
    a report of the first engagement among them, a creation of the first engagement
    again."""
    first, second = creation(client=True), creation()
    assert first.engagement_id is not None
    report = wire(stage_report_event(first.engagement_id))
    again = creation(engagement=first.engagement_id)
    return [[first, unfiled_event(), second], [report, creation(), again], [creation()]]


async def test_the_one_consumer_stores_the_rows_of_its_two_consumers_before(
    db: Database, deps: CatalogueDeps
) -> None:
    one = archive_subscription(deps)
    retired = retired_filing_subscription(deps)
    assert one.batch_handler is not None
    assert retired.batch_handler is not None
    filed = EventParser(retired.events)
    one_batch, one_each = one.batch_handler, one_after_another(one.handler)

    async def two_consumers(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        await ledger.record_many(session, events)
        for e in events:
            if e.type in filing.FILED_TYPES:
                await retired.handler(session, filed(e.model_dump_json().encode()))

    async def batched(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        try:
            await one_batch(session, events)
        except NotBatchable:  # as the consumer: each event on its own
            await one_each(session, events)

    await same_rows(db, TABLES, history(), two_consumers, batched, one_each)


async def test_a_batch_holding_a_report_is_declined_before_anything_is_written(
    db: Database, deps: CatalogueDeps
) -> None:
    created = creation()
    assert created.engagement_id is not None
    batch = archive_subscription(deps).batch_handler
    assert batch is not None
    with pytest.raises(NotBatchable):
        async with db.transaction() as s:
            await batch(s, [created, wire(stage_report_event(created.engagement_id))])

    async with db.transaction() as s:
        assert await repository.parties(s, created.engagement_id) is None
        assert await s.scalar(select(func.count()).select_from(LedgerLeaf)) == 0


async def test_a_report_its_class_refuses_joins_the_ledger_and_its_filing_is_a_dead_letter(
    db: Database, deps: CatalogueDeps
) -> None:
    report = stage_report_event(new_id())
    broken = wire(report.model_copy(update={"data": {**report.data, "report_no": "two"}}))
    async with db.transaction() as s:
        await archive_subscription(deps).handler(s, broken)

    async with db.transaction() as s:
        leaves = (await s.execute(select(LedgerLeaf.event_id))).scalars().all()
        letters = (await s.execute(select(messaging.dead_letters))).all()
        items = await s.scalar(select(func.count()).select_from(ArchiveItem))
    assert leaves == [report.event_id]
    assert items == 0
    assert [(d.consumer, d.event_id, d.subject, d.deliveries) for d in letters] == [
        (RETIRED_FILING, report.event_id, "ecohost.events.engagement.stage_report_accepted.v1", 1)
    ]
    assert "report_no" in letters[0].error


async def test_two_filers_of_one_report_at_once_file_it_once_and_neither_fails(
    db: Database, deps: CatalogueDeps
) -> None:
    """The archive's consumer and the retired filing consumer's drain (during the upgrade)
    filing the same report in two transactions at once: one files it, the other finds it
    filed; neither loses on the item's key (a retry would put the consumer's ledger entry
    out of stream order)."""
    created = creation()
    assert created.engagement_id is not None
    async with db.transaction() as s:
        await filing.remember_created(s, [created])
    report = filing.as_filed(wire(stage_report_event(created.engagement_id)))

    async def file_it() -> None:
        async with db.transaction() as s:
            await filing.file_event(deps, s, report)

    await asyncio.gather(file_it(), file_it())

    async with db.transaction() as s:
        items = (await s.scalars(select(ArchiveItem.source_event_id))).all()
        filed_action = messaging.outbox.c.payload.like('%"action":"filed"%')
        filings = await s.scalar(
            select(func.count()).select_from(messaging.outbox).where(filed_action)
        )
    assert items == [report.event_id]
    assert filings == 1
