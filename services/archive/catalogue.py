"""Archive items and volumes (档案, 案卷): direct uploads, new versions of filed items,
verification, the catalogue, confidentiality changes and the sweep of abandoned uploads.
Every item travels with its series (版本): the `series_id` its versions share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast
from uuid import UUID

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as c
from kit.ids import new_id
from kit.logging import get_logger
from kit.rpc import CallContext
from kit.storage import ObjectNotFound
from services.archive import domain
from services.archive.models import ArchiveItem, ArchiveVolume, EngagementParties
from services.archive.records import (
    Archive,
    agency_item,
    item_view,
    lock_finalised,
    record_action,
    visible_item,
)
from services.archive.settings import ArchiveSettings

log = get_logger(__name__)

SWEEP_BATCH = 100


def _own_agency(caller: c.Caller, agency_id: object) -> None:
    """The gateway sends the engagement it loaded in the caller's scope; checked again."""
    if caller.scope.agency_id is None or caller.scope.agency_id != agency_id:
        raise archive_errors.ArchiveRecordNotFound("no such engagement", field="engagement_id")


async def remember_parties(
    session: AsyncSession, engagement_id: object, agency_id: object, unit_id: object
) -> None:
    if await session.get(EngagementParties, engagement_id) is None:
        session.add(
            EngagementParties(engagement_id=engagement_id, agency_id=agency_id, unit_id=unit_id)
        )
        await session.flush()


def _check_declared(settings: ArchiveSettings, size: int, content_type: str) -> None:
    if size > settings.upload_max_bytes:
        raise archive_errors.UploadRejected(
            f"larger than {settings.upload_max_bytes} bytes", field="size"
        )
    if not domain.content_type_allowed(content_type, settings.upload_content_types):
        raise archive_errors.UploadRejected("content type not accepted", field="content_type")


async def _presign(archive: Archive, row: ArchiveItem, now: datetime) -> tuple[str, datetime]:
    """A URL to PUT the row's bytes to, and when it stops working."""
    ttl = timedelta(seconds=archive.settings.upload_url_ttl)
    url = await archive.store.presign_put(
        row.object_key, expires=ttl, content_type=row.content_type
    )
    return url, now + ttl


async def _new_upload(
    archive: Archive, session: AsyncSession, req: c.RequestUploadRequest, ctx: CallContext
) -> tuple[ArchiveItem, str, datetime]:
    _own_agency(req.caller, req.agency_id)
    settings = archive.settings
    if req.level > req.caller.clearance:
        # Filing above one's own clearance would make the item unreadable to its uploader.
        raise archive_errors.ArchiveItemNotFound("level above your clearance", field="level")
    _check_declared(settings, req.size, req.content_type)
    if req.volume_id is not None:
        volume = await session.get(ArchiveVolume, req.volume_id)
        if volume is None or volume.engagement_id != req.engagement_id:
            raise archive_errors.ArchiveRecordNotFound("no such volume", field="volume_id")
    await remember_parties(session, req.engagement_id, req.agency_id, req.unit_id)
    now = datetime.now(UTC)
    item_id = new_id()
    row = ArchiveItem(
        id=item_id,
        series_id=item_id,  # a new upload starts its own series
        engagement_id=req.engagement_id,
        agency_id=req.agency_id,
        unit_id=req.unit_id,
        volume_id=req.volume_id,
        category=req.category.value,
        title=req.title,
        filename=domain.display_filename(req.filename),
        content_type=req.content_type.lower(),
        size=req.size,
        sha256=req.sha256,
        version=1,
        object_key=domain.object_key(req.engagement_id, item_id, 1),
        level=req.level,
        retention=req.retention.value,
        document_date=req.document_date,
        item_metadata=dict(req.metadata),
        status=archive_enums.ItemStatus.PENDING.value,
        handed_over=False,
        upload_expires_at=now + timedelta(seconds=settings.upload_expiry),
        created_by=ctx.actor,
        created_at=now,
    )
    url, expires_at = await _presign(archive, row, now)
    session.add(row)
    await session.flush()
    return row, url, expires_at


async def request_upload(
    archive: Archive, session: AsyncSession, req: c.RequestUploadRequest, ctx: CallContext
) -> c.UploadTicket:
    row, url, expires_at = await _new_upload(archive, session, req, ctx)
    return _ticket(row, url, expires_at)


def _ticket(row: ArchiveItem, url: str, expires_at: datetime) -> c.UploadTicket:
    return c.UploadTicket(
        item=item_view(row),
        url=url,
        headers={"Content-Type": row.content_type},
        expires_at=expires_at,
    )


async def request_version_upload(
    archive: Archive, session: AsyncSession, req: c.RequestVersionUploadRequest, ctx: CallContext
) -> c.UploadTicket:
    """A new version of a filed item: a new row in the item's series, with the next version
    number, its own key and the series' engagement, owners, volume, category, level and
    retention. Completed and filed by `complete_upload` like any upload."""
    named = await agency_item(session, req.caller, req.item_id)
    if named.status != archive_enums.ItemStatus.FILED.value:
        raise archive_errors.ArchiveStateConflict(
            f"the item is {named.status}: only a filed item gets a new version", field="item_id"
        )
    if named.source_event_id is not None:
        raise archive_errors.ArchiveStateConflict(
            "the item was filed automatically from an event; its versions come from events",
            field="item_id",
        )
    # The series' first version, locked: two requests for one series run one after the
    # other, and the second, reading the series only once it holds the lock, sees the
    # version the first one added.
    await session.execute(
        select(ArchiveItem.id).where(ArchiveItem.id == named.series).with_for_update()
    )
    series = list(
        (
            await session.execute(
                select(ArchiveItem)
                .where(ArchiveItem.series == named.series)
                .order_by(ArchiveItem.version)
            )
        ).scalars()
    )
    level = max(r.level for r in series if r.status != archive_enums.ItemStatus.EXPIRED.value)
    if level > req.caller.clearance:
        # The caller may not see the whole series: as if the item did not exist.
        raise archive_errors.ArchiveItemNotFound("no such archive item", field="item_id")
    now = datetime.now(UTC)
    pending = [r for r in series if r.status == archive_enums.ItemStatus.PENDING.value]
    abandoned = [r for r in pending if r.upload_expires_at and r.upload_expires_at <= now]
    for row in pending:
        if row not in abandoned:
            raise archive_errors.ArchiveStateConflict(
                f"version {row.version} of this item is already being uploaded (item "
                f"{row.id}): complete that upload, or wait until it expires, before "
                "requesting another",
                field="item_id",
            )
    _check_declared(archive.settings, req.size, req.content_type)
    for row in abandoned:
        # Expired but not yet swept: expire it now, as the sweep would. Its number stays
        # taken, like its id.
        await archive.store.delete(row.object_key)
        row.status = archive_enums.ItemStatus.EXPIRED.value
    latest = max(
        (r for r in series if r.status == archive_enums.ItemStatus.FILED.value),
        key=lambda r: r.version,
    )
    version = series[-1].version + 1
    item_id = new_id()
    row = ArchiveItem(
        id=item_id,
        series_id=named.series,
        engagement_id=latest.engagement_id,
        agency_id=latest.agency_id,
        unit_id=latest.unit_id,
        volume_id=latest.volume_id,
        category=latest.category,
        title=req.title if req.title is not None else latest.title,
        filename=domain.display_filename(req.filename),
        content_type=req.content_type.lower(),
        size=req.size,
        sha256=req.sha256,
        version=version,
        object_key=domain.object_key(latest.engagement_id, item_id, version),
        level=level,
        retention=latest.retention,
        document_date=req.document_date or latest.document_date,
        item_metadata=dict(latest.item_metadata or {}),
        status=archive_enums.ItemStatus.PENDING.value,
        handed_over=False,
        upload_expires_at=now + timedelta(seconds=archive.settings.upload_expiry),
        created_by=ctx.actor,
        created_at=now,
    )
    url, expires_at = await _presign(archive, row, now)
    session.add(row)
    await session.flush()
    log.info("archive.version_requested", item_id=str(item_id), version=version)
    return _ticket(row, url, expires_at)


async def _complete(
    archive: Archive, session: AsyncSession, req: c.ItemRequest, ctx: CallContext
) -> ArchiveItem:
    row = await agency_item(session, req.caller, req.item_id, lock=True)
    if row.status == archive_enums.ItemStatus.FILED.value:
        return row  # a retried completion
    if row.status != archive_enums.ItemStatus.PENDING.value:
        raise archive_errors.ArchiveStateConflict(f"the item is {row.status}", field="item_id")
    if row.upload_expires_at is not None and row.upload_expires_at <= datetime.now(UTC):
        # Past its expiry the upload is abandoned (the sweep, or a new version request,
        # may already have removed its bytes): request a new one.
        raise archive_errors.ArchiveStateConflict(
            "the upload expired; request a new one", field="item_id"
        )
    store = archive.store
    try:
        stored = await store.stat(row.object_key)
    except ObjectNotFound:
        raise archive_errors.UploadMismatch("nothing was uploaded yet", field="item_id") from None
    problem = None
    if stored.size != row.size:
        problem = f"uploaded {stored.size} bytes, declared {row.size}"
    elif stored.content_type.split(";")[0].strip().lower() != row.content_type:
        problem = f"uploaded as {stored.content_type}, declared {row.content_type}"
    # Re-hash what the store holds (streamed), never trusting the uploader's claim. The
    # row stays locked meanwhile, so two completions cannot both file it.
    elif (digest := await store.sha256(row.object_key)) != row.sha256:
        problem = f"SHA-256 {digest} differs from the declared {row.sha256}"
    if problem is not None:
        # The bad bytes go; the upload URL may be used again until the item expires.
        await store.delete(row.object_key)
        raise archive_errors.UploadMismatch(problem, field="item_id")
    await lock_finalised(archive, row, stored.version_id)
    row.status = archive_enums.ItemStatus.FILED.value
    row.filed_at = datetime.now(UTC)
    row.upload_expires_at = None
    await session.flush()
    await record_action(
        session,
        ctx,
        "filed",
        row.engagement_id,
        [row],
        key=row.object_key,
        series_id=str(row.series),
        version=str(row.version),
    )
    log.info("archive.filed", item_id=str(row.id), size=row.size, version=row.version)
    return row


async def complete_upload(
    archive: Archive, session: AsyncSession, req: c.ItemRequest, ctx: CallContext
) -> c.ItemView:
    return item_view(await _complete(archive, session, req, ctx))


async def _visible(
    session: AsyncSession, caller: c.Caller, ids: list[UUID]
) -> dict[UUID, ArchiveItem]:
    found: dict[UUID, ArchiveItem] = {}
    if ids:
        rows = await session.execute(select(ArchiveItem).where(ArchiveItem.id.in_(ids)))
        for row in rows.scalars():
            try:
                await visible_item(session, caller, row.id)
            except archive_errors.ArchiveItemNotFound:
                continue
            found[row.id] = row
    return found


async def get_items(session: AsyncSession, req: c.GetItemsRequest) -> c.ItemsReply:
    found = await _visible(session, req.caller, req.ids)
    return c.ItemsReply(items=[item_view(found[i]) if i in found else None for i in req.ids])


def visible_in_sql(caller: c.Caller, item: type[ArchiveItem] = ArchiveItem) -> ColumnElement[bool]:
    """`domain.may_see` as SQL, for lists (a denied row never leaves the database)."""
    filed_or_tombstone = item.status.in_(
        [archive_enums.ItemStatus.FILED.value, archive_enums.ItemStatus.DESTROYED.value]
    )
    owners = []
    if caller.scope.agency_id is not None:
        owners.append(item.agency_id == caller.scope.agency_id)
    if caller.scope.unit_id is not None:
        owners.append(and_(item.unit_id == caller.scope.unit_id, item.handed_over))
    if not owners:
        return false()  # matches nothing
    return and_(item.level <= caller.clearance, filed_or_tombstone, or_(*owners))


def superseded_in_sql(caller: c.Caller) -> ColumnElement[bool]:
    """A later version of the item's series is filed, and this caller may see it: the
    item is no longer the current one for them."""
    later = cast(type[ArchiveItem], aliased(ArchiveItem))
    return exists().where(
        later.series == ArchiveItem.series,
        later.version > ArchiveItem.version,
        later.status == archive_enums.ItemStatus.FILED.value,
        visible_in_sql(caller, later),
    )


async def _volumes(
    session: AsyncSession, caller: c.Caller, engagement_id: UUID, items: list[ArchiveItem]
) -> list[c.VolumeView]:
    volume_query = select(ArchiveVolume).where(ArchiveVolume.engagement_id == engagement_id)
    if caller.scope.agency_id is not None:
        volume_query = volume_query.where(ArchiveVolume.agency_id == caller.scope.agency_id)
    else:
        # Others see the volumes that hold something they may see.
        volume_query = volume_query.where(ArchiveVolume.id.in_({i.volume_id for i in items}))
    volumes = (await session.execute(volume_query.order_by(ArchiveVolume.id))).scalars()
    return [volume_view(v) for v in volumes]


async def catalogue(session: AsyncSession, req: c.CatalogueRequest) -> c.CatalogueReply:
    """The catalogue: by default the current version of each series (and tombstones not
    superseded); with `include_superseded`, every version, oldest first within a series."""
    query = select(ArchiveItem).where(
        ArchiveItem.engagement_id == req.engagement_id, visible_in_sql(req.caller)
    )
    if not req.include_superseded:
        query = query.where(~superseded_in_sql(req.caller))
    rows = await session.execute(
        query.order_by(ArchiveItem.volume_id, ArchiveItem.series, ArchiveItem.version)
    )
    items = list(rows.scalars())
    return c.CatalogueReply(
        volumes=await _volumes(session, req.caller, req.engagement_id, items),
        items=[item_view(i) for i in items],
    )


async def versions(session: AsyncSession, req: c.VersionsRequest) -> c.VersionsReply:
    """The filed versions of each series asked for that this caller may see, oldest first."""
    by_series: dict[UUID, list[c.ItemView]] = {s: [] for s in req.series_ids}
    if req.series_ids:
        rows = await session.execute(
            select(ArchiveItem)
            .where(
                ArchiveItem.series.in_(req.series_ids),
                ArchiveItem.status == archive_enums.ItemStatus.FILED.value,
                visible_in_sql(req.caller),
            )
            .order_by(ArchiveItem.series, ArchiveItem.version)
        )
        for row in rows.scalars():
            by_series[row.series].append(item_view(row))
    return c.VersionsReply(items=[by_series[s] for s in req.series_ids])


def volume_view(row: ArchiveVolume) -> c.VolumeView:
    return c.VolumeView(
        id=row.id,
        engagement_id=row.engagement_id,
        title=row.title,
        retention=archive_enums.Retention(row.retention),
        created_at=row.created_at,
    )


async def create_volume(
    session: AsyncSession, req: c.CreateVolumeRequest, ctx: CallContext
) -> c.VolumeView:
    _own_agency(req.caller, req.agency_id)
    await remember_parties(session, req.engagement_id, req.agency_id, req.unit_id)
    row = ArchiveVolume(
        id=new_id(),
        engagement_id=req.engagement_id,
        agency_id=req.agency_id,
        unit_id=req.unit_id,
        title=req.title,
        retention=req.retention.value,
        created_by=ctx.actor,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return volume_view(row)


async def _change_level(
    session: AsyncSession, req: c.ChangeLevelRequest, ctx: CallContext
) -> ArchiveItem:
    row = await agency_item(session, req.caller, req.item_id, lock=True)
    if row.status != archive_enums.ItemStatus.FILED.value:
        raise archive_errors.ArchiveStateConflict(f"the item is {row.status}", field="item_id")
    if req.level > req.caller.clearance:
        raise archive_errors.ArchiveItemNotFound("level above your clearance", field="level")
    if not domain.level_change_allowed(row.level, req.level, req.may_lower):
        raise archive_errors.ArchiveStateConflict(
            "lowering a level needs the archive keeper", field="level"
        )
    previous = row.level
    row.level = req.level
    await session.flush()
    await record_action(
        session,
        ctx,
        "level_changed",
        row.engagement_id,
        [row],
        previous=str(previous),
        level=str(req.level),
        reason=req.reason,
    )
    return row


async def change_level(
    session: AsyncSession, req: c.ChangeLevelRequest, ctx: CallContext
) -> c.ItemView:
    return item_view(await _change_level(session, req, ctx))


async def expire_uploads(archive: Archive, session: AsyncSession) -> int:
    """Remove uploads never completed: their bytes (if any arrived) and their visibility.
    The row stays as `expired` so the id is never reused. Records no events."""
    now = datetime.now(UTC)
    rows = await session.execute(
        select(ArchiveItem)
        .where(
            ArchiveItem.status == archive_enums.ItemStatus.PENDING.value,
            ArchiveItem.upload_expires_at < now,
        )
        .limit(SWEEP_BATCH)
    )
    for row in rows.scalars():
        await archive.store.delete(row.object_key)
        row.status = archive_enums.ItemStatus.EXPIRED.value
        log.info("archive.upload_expired", item_id=str(row.id))
    await session.flush()
    return 0
