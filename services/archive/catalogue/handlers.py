"""JetStream consumers of the catalogue."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope, event_subject
from contracts.engagement.events import EngagementCreatedV1, HandedOverV1
from kit.inbox import NotBatchable
from kit.runtime import Subscription
from services.archive.catalogue.commands import filing, handover
from services.archive.catalogue.deps import CatalogueDeps

RETIRED_FILING = "archive-filing"


def retired_filing_subscription(deps: CatalogueDeps) -> Subscription:
    """The filing consumer of before the archive's one consumer (services/archive/
    handlers.py): engagements' parties, accepted stage reports and finalised scorecards,
    filed. No longer started: kept to drain its durable on an upgrade
    (`retired_filing`) and to replay its dead letters."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        await filing.file_event(deps, session, event)

    async def handle_batch(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        # Filing a report or scorecard stores an object first, which a rolled-back batch
        # would leave behind; a batch of engagements' parties is only rows.
        created = [e for e in events if isinstance(e, EngagementCreatedV1)]
        if len(created) < len(events):
            raise NotBatchable
        await filing.remember_created(session, created)

    return Subscription(
        durable=RETIRED_FILING,
        subjects=[event_subject(e) for e in filing.FILED_EVENTS],
        events=filing.FILED_EVENTS,
        handler=handle,
        batch_handler=handle_batch,
    )


def handover_subscription(deps: CatalogueDeps) -> Subscription:
    """The engagement's handover step (移交), recorded as the archive's handover."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        assert isinstance(event, HandedOverV1)
        await handover.record(deps, session, event)

    return Subscription(
        durable="archive-handover",
        subjects=[event_subject(HandedOverV1)],
        events=(HandedOverV1,),
        handler=handle,
    )
