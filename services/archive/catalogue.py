"""Archive items and volumes (档案, 案卷): direct uploads, verification, the catalogue,
confidentiality changes and the sweep of abandoned uploads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import archive_catalogue as c
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

log = get_logger(__name__)

SWEEP_BATCH = 100


def _own_agency(caller: c.Caller, agency_id: object) -> None:
    """The gateway sends the engagement it loaded in the caller's scope; checked again."""
    if caller.scope.agency_id is None or caller.scope.agency_id != agency_id:
        raise c.ArchiveRecordNotFound("no such engagement", field="engagement_id")


async def remember_parties(
    session: AsyncSession, engagement_id: object, agency_id: object, unit_id: object
) -> None:
    if await session.get(EngagementParties, engagement_id) is None:
        session.add(
            EngagementParties(engagement_id=engagement_id, agency_id=agency_id, unit_id=unit_id)
        )
        await session.flush()


async def request_upload(
    archive: Archive, session: AsyncSession, req: c.RequestUploadRequest, ctx: CallContext
) -> c.UploadTicket:
    _own_agency(req.caller, req.agency_id)
    settings = archive.settings
    if req.level > req.caller.clearance:
        # Filing above one's own clearance would make the item unreadable to its uploader.
        raise c.ArchiveItemNotFound("level above your clearance", field="level")
    if req.size > settings.upload_max_bytes:
        raise c.UploadRejected(f"larger than {settings.upload_max_bytes} bytes", field="size")
    if not domain.content_type_allowed(req.content_type, settings.upload_content_types):
        raise c.UploadRejected("content type not accepted", field="content_type")
    if req.volume_id is not None:
        volume = await session.get(ArchiveVolume, req.volume_id)
        if volume is None or volume.engagement_id != req.engagement_id:
            raise c.ArchiveRecordNotFound("no such volume", field="volume_id")
    await remember_parties(session, req.engagement_id, req.agency_id, req.unit_id)
    now = datetime.now(UTC)
    item_id = new_id()
    key = domain.object_key(req.engagement_id, item_id, 1)
    content_type = req.content_type.lower()
    ttl = timedelta(seconds=settings.upload_url_ttl)
    url = await archive.store.presign_put(key, expires=ttl, content_type=content_type)
    row = ArchiveItem(
        id=item_id,
        engagement_id=req.engagement_id,
        agency_id=req.agency_id,
        unit_id=req.unit_id,
        volume_id=req.volume_id,
        category=req.category.value,
        title=req.title,
        filename=domain.display_filename(req.filename),
        content_type=content_type,
        size=req.size,
        sha256=req.sha256,
        version=1,
        object_key=key,
        level=req.level,
        retention=req.retention.value,
        document_date=req.document_date,
        item_metadata=dict(req.metadata),
        status=c.ItemStatus.PENDING.value,
        handed_over=False,
        upload_expires_at=now + timedelta(seconds=settings.upload_expiry),
        created_by=ctx.actor,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return c.UploadTicket(
        item=item_view(row),
        url=url,
        headers={"Content-Type": content_type},
        expires_at=now + ttl,
    )


async def complete_upload(
    archive: Archive, session: AsyncSession, req: c.ItemRequest, ctx: CallContext
) -> c.ItemView:
    row = await agency_item(session, req.caller, req.item_id, lock=True)
    if row.status == c.ItemStatus.FILED.value:
        return item_view(row)  # a retried completion
    if row.status != c.ItemStatus.PENDING.value:
        raise c.ArchiveStateConflict(f"the item is {row.status}", field="item_id")
    store = archive.store
    try:
        stored = await store.stat(row.object_key)
    except ObjectNotFound:
        raise c.UploadMismatch("nothing was uploaded yet", field="item_id") from None
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
        raise c.UploadMismatch(problem, field="item_id")
    await lock_finalised(archive, row, stored.version_id)
    row.status = c.ItemStatus.FILED.value
    row.filed_at = datetime.now(UTC)
    row.upload_expires_at = None
    await session.flush()
    await record_action(session, ctx, "filed", row.engagement_id, [row], key=row.object_key)
    log.info("archive.filed", item_id=str(row.id), size=row.size)
    return item_view(row)


async def get_items(session: AsyncSession, req: c.GetItemsRequest) -> c.ItemsReply:
    found: dict[object, c.ItemView] = {}
    if req.ids:
        rows = await session.execute(select(ArchiveItem).where(ArchiveItem.id.in_(req.ids)))
        for row in rows.scalars():
            try:
                await visible_item(session, req.caller, row.id)
            except c.ArchiveItemNotFound:
                continue
            found[row.id] = item_view(row)
    return c.ItemsReply(items=[found.get(i) for i in req.ids])


def visible_in_sql(caller: c.Caller) -> object:
    """`domain.may_see` as SQL, for lists (a denied row never leaves the database)."""
    filed_or_tombstone = ArchiveItem.status.in_(
        [c.ItemStatus.FILED.value, c.ItemStatus.DESTROYED.value]
    )
    owners = []
    if caller.scope.agency_id is not None:
        owners.append(ArchiveItem.agency_id == caller.scope.agency_id)
    if caller.scope.unit_id is not None:
        owners.append(and_(ArchiveItem.unit_id == caller.scope.unit_id, ArchiveItem.handed_over))
    if not owners:
        return ArchiveItem.id.is_(None)  # matches nothing
    return and_(ArchiveItem.level <= caller.clearance, filed_or_tombstone, or_(*owners))


async def catalogue(session: AsyncSession, req: c.CatalogueRequest) -> c.CatalogueReply:
    rows = await session.execute(
        select(ArchiveItem)
        .where(ArchiveItem.engagement_id == req.engagement_id, visible_in_sql(req.caller))  # type: ignore[arg-type]
        .order_by(ArchiveItem.volume_id, ArchiveItem.id)
    )
    items = list(rows.scalars())
    volume_query = select(ArchiveVolume).where(ArchiveVolume.engagement_id == req.engagement_id)
    if req.caller.scope.agency_id is not None:
        volume_query = volume_query.where(ArchiveVolume.agency_id == req.caller.scope.agency_id)
    else:
        # Others see the volumes that hold something they may see.
        volume_query = volume_query.where(ArchiveVolume.id.in_({i.volume_id for i in items}))
    volumes = (await session.execute(volume_query.order_by(ArchiveVolume.id))).scalars()
    return c.CatalogueReply(
        volumes=[volume_view(v) for v in volumes], items=[item_view(i) for i in items]
    )


def volume_view(row: ArchiveVolume) -> c.VolumeView:
    return c.VolumeView(
        id=row.id,
        engagement_id=row.engagement_id,
        title=row.title,
        retention=c.Retention(row.retention),
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


async def change_level(
    session: AsyncSession, req: c.ChangeLevelRequest, ctx: CallContext
) -> c.ItemView:
    row = await agency_item(session, req.caller, req.item_id, lock=True)
    if row.status != c.ItemStatus.FILED.value:
        raise c.ArchiveStateConflict(f"the item is {row.status}", field="item_id")
    if req.level > req.caller.clearance:
        raise c.ArchiveItemNotFound("level above your clearance", field="level")
    if not domain.level_change_allowed(row.level, req.level, req.may_lower):
        raise c.ArchiveStateConflict("lowering a level needs the archive keeper", field="level")
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
    return item_view(row)


async def expire_uploads(archive: Archive, session: AsyncSession) -> int:
    """Remove uploads never completed: their bytes (if any arrived) and their visibility.
    The row stays as `expired` so the id is never reused. Records no events."""
    now = datetime.now(UTC)
    rows = await session.execute(
        select(ArchiveItem)
        .where(
            ArchiveItem.status == c.ItemStatus.PENDING.value,
            ArchiveItem.upload_expires_at < now,
        )
        .limit(SWEEP_BATCH)
    )
    for row in rows.scalars():
        await archive.store.delete(row.object_key)
        row.status = c.ItemStatus.EXPIRED.value
        log.info("archive.upload_expired", item_id=str(row.id))
    await session.flush()
    return 0
