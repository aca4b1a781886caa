"""The retired filing consumer's batches (it drains its durable on an upgrade):
engagements' parties (rows only) in one transaction; a batch holding a report, whose
filing stores an object first, declined untouched."""

from __future__ import annotations

import pytest

from contracts.core import EventEnvelope, event_type
from contracts.engagement.events import EngagementCreatedV1
from kit.db import Database
from kit.ids import new_id
from kit.inbox import NotBatchable
from services.archive.catalogue import repository
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.handlers import retired_filing_subscription
from tests.archive.catalogue_steps import (
    AGENCY,
    UNIT,
    engagement_created_event,
    stage_report_event,
)


def typed(archive: CatalogueDeps, event: EventEnvelope) -> EventEnvelope:
    """The event as the consumer hands it over: parsed as the subscription's own type
    (a creation with the fields its contract requires beyond the parties)."""
    if event.type == event_type(EngagementCreatedV1):
        event = event.model_copy(update={"data": {**CREATED, **event.data}})
    return retired_filing_subscription(archive).parse(event.model_dump_json().encode())


CREATED = {
    "service_modes": ["roving"],
    "period_start": "2027-01-01",
    "period_end": "2027-12-31",
    "status": "preparation",
}


async def test_a_batch_of_created_engagements_is_filed_in_one_transaction(
    db: Database, archive: CatalogueDeps
) -> None:
    engagements = [new_id() for _ in range(3)]
    batch = retired_filing_subscription(archive).batch_handler
    assert batch is not None
    async with db.transaction() as s:
        await batch(s, [typed(archive, engagement_created_event(e)) for e in engagements])

    async with db.transaction() as s:
        for engagement in engagements:
            parties = await repository.parties(s, engagement)
            assert parties is not None
            assert (parties.agency_id, parties.unit_id) == (AGENCY, UNIT)


async def test_a_batch_holding_a_stage_report_is_declined_before_anything_is_written(
    db: Database, archive: CatalogueDeps
) -> None:
    engagement = new_id()
    batch = retired_filing_subscription(archive).batch_handler
    assert batch is not None
    events = [
        typed(archive, engagement_created_event(engagement)),
        typed(archive, stage_report_event(engagement)),
    ]
    with pytest.raises(NotBatchable):
        async with db.transaction() as s:
            await batch(s, events)

    async with db.transaction() as s:
        assert await repository.parties(s, engagement) is None
