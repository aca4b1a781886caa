"""An archive action as an event: recorded in the use case's transaction (outbox), the
archive's own trace consumer then appends it to the engagement's chain in the ledger
like every other event.

Events also reach people (the gateway's live `engagementEvents`), so each carries who may
read each item (`domain.audience`, decided here with the item's state after the action)
and never a storage key, URL or store version id: nothing outside the archive needs one."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import events as archive_events
from contracts.archive.enums import ArchiveAction
from kit.events import make_event
from kit.outbox import record_event
from kit.rpc import CallContext
from services.archive.catalogue import domain
from services.archive.catalogue.models import ArchiveItem
from services.archive.models import messaging


async def record_action(
    session: AsyncSession,
    ctx: CallContext,
    action: ArchiveAction,
    engagement_id: UUID,
    items: list[ArchiveItem],
    *,
    agency_only: bool = False,
    **details: str,
) -> None:
    """`agency_only`: an entry of the agency's own registers (borrowing, usage), which
    the unit does not read even for an item handed over to it."""
    data = archive_events.ArchiveActionData(
        action=action,
        item_ids=[i.id for i in items],
        sha256=[i.sha256 for i in items],
        audiences=[domain.audience(i.holding, unit=not agency_only) for i in items],
        details=details,
    )
    event = make_event(archive_events.ArchiveActionV1, ctx, data, engagement_id=engagement_id)
    await record_event(session, messaging, event)
