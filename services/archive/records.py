"""Shared pieces of the catalogue use cases: what they depend on, loading an item as a
caller may see it, row → view, and recording an archive action as an event (the archive's
own trace consumer then appends it to the ledger like every other event)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import events as archive_events
from contracts.archive import rpc_catalogue as c
from kit.events import make_event
from kit.logging import get_logger
from kit.outbox import record_event
from kit.rpc import CallContext
from kit.storage import ObjectStore
from services.archive import domain
from services.archive.models import ArchiveItem, messaging
from services.archive.settings import ArchiveSettings
from services.archive.signing import Signer

log = get_logger(__name__)


@dataclass(frozen=True)
class Archive:
    """What the catalogue's use cases need besides the session."""

    store: ObjectStore
    settings: ArchiveSettings
    signer: Signer


def holding(row: ArchiveItem) -> domain.Holding:
    return domain.Holding(
        agency_id=row.agency_id,
        unit_id=row.unit_id,
        status=archive_enums.ItemStatus(row.status),
        level=row.level,
        handed_over=row.handed_over,
    )


async def visible_item(
    session: AsyncSession, caller: c.Caller, item_id: UUID, *, lock: bool = False
) -> ArchiveItem:
    """The item if this caller may see it; ArchiveItemNotFound otherwise, whether it is
    missing, another tenant's or above the caller's clearance (no existence leak)."""
    query = select(ArchiveItem).where(ArchiveItem.id == item_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None or not domain.may_see(caller, holding(row)):
        raise archive_errors.ArchiveItemNotFound("no such archive item", field="item_id")
    return row


async def agency_item(
    session: AsyncSession, caller: c.Caller, item_id: UUID, *, lock: bool = False
) -> ArchiveItem:
    """An item the caller's agency holds and may see: for the agency's own actions."""
    row = await visible_item(session, caller, item_id, lock=lock)
    if not domain.agency_holds(caller, holding(row)):
        raise archive_errors.ArchiveItemNotFound("no such archive item", field="item_id")
    return row


def item_view(row: ArchiveItem) -> c.ItemView:
    retention = archive_enums.Retention(row.retention)
    return c.ItemView(
        id=row.id,
        engagement_id=row.engagement_id,
        agency_id=row.agency_id,
        unit_id=row.unit_id,
        volume_id=row.volume_id,
        category=archive_enums.ItemCategory(row.category),
        title=row.title,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        version=row.version,
        level=row.level,
        retention=retention,
        document_date=row.document_date,
        retention_ends=domain.retention_ends(retention, row.document_date),
        metadata=dict(row.item_metadata or {}),
        status=archive_enums.ItemStatus(row.status),
        handed_over=row.handed_over,
        source_event_id=row.source_event_id,
        created_by=row.created_by,
        created_at=row.created_at,
        filed_at=row.filed_at,
        destroyed_at=row.destroyed_at,
        series_id=row.series,
    )


async def lock_finalised(archive: Archive, row: ArchiveItem, version_id: str | None) -> None:
    """Put a finalised item's stored version under object lock (governance mode) for its
    retention period, where the store supports it (`ObjectStore.object_lock`)."""
    until = domain.lock_until(
        archive_enums.Retention(row.retention), row.document_date, datetime.now(UTC)
    )
    if until is None:
        return
    if await archive.store.retain(row.object_key, version_id=version_id, until=until):
        log.info("archive.object_locked", item_id=str(row.id), until=until.isoformat())


async def record_action(
    session: AsyncSession,
    ctx: CallContext,
    action: str,
    engagement_id: UUID,
    items: list[ArchiveItem],
    **details: str,
) -> None:
    """An archive action as an event in the same transaction (outbox): the ledger gets
    it through the archive's trace consumer, in the engagement's chain."""
    data = archive_events.ArchiveActionData(
        action=action,
        item_ids=[i.id for i in items],
        sha256=[i.sha256 for i in items],
        details=details,
    )
    event = make_event(archive_events.ArchiveActionV1, ctx, data, engagement_id=engagement_id)
    await record_event(session, messaging, event)
