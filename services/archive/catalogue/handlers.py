"""JetStream consumers of the catalogue."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope, event_subject
from contracts.engagement.events import HandedOverV1
from kit.runtime import Subscription
from services.archive.catalogue.commands import filing, handover
from services.archive.catalogue.deps import CatalogueDeps


def filing_subscription(deps: CatalogueDeps) -> Subscription:
    """Engagements' parties, accepted stage reports and finalised scorecards, filed."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        await filing.file_event(deps, session, event)

    return Subscription(
        durable="archive-filing",
        subjects=[event_subject(e) for e in filing.FILED_EVENTS],
        events=filing.FILED_EVENTS,
        handler=handle,
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
