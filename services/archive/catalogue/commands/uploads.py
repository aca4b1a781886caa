"""Direct uploads and new versions of filed items (档案, 版本): the ticket to PUT the
bytes to, verification of what arrived before an item is filed, object lock of what was
filed, and the sweep of uploads never completed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from contracts.core import Message
from kit.ids import new_id
from kit.logging import get_logger
from kit.rpc import CallContext
from kit.storage import ObjectNotFound
from kit.storage.base import PresignedUpload
from services.archive.catalogue import domain, repository
from services.archive.catalogue.commands.actions import record_action
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import ArchiveItem
from services.archive.catalogue.search import index_filed
from services.archive.catalogue.views import item_view, upload_ticket
from services.archive.settings import ArchiveSettings

log = get_logger(__name__)

SWEEP_BATCH = 100


def _check_declared(settings: ArchiveSettings, size: int, content_type: str) -> None:
    if size > settings.upload_max_bytes:
        raise archive_errors.UploadRejected(
            "larger than {max} bytes", field="size", params={"max": settings.upload_max_bytes}
        )
    if domain.is_active_content(content_type):
        # Never accepted, whatever the configuration: a browser would run it.
        declared = content_type.strip().lower()
        raise archive_errors.UploadRejected(
            "active content type {content_type} (HTML, SVG, scripts) is not accepted as a "
            "deliverable",
            field="content_type",
            params={"content_type": declared},
        )
    if not domain.content_type_allowed(content_type, settings.upload_content_types):
        raise archive_errors.UploadRejected("content type not accepted", field="content_type")


async def _presign(
    deps: CatalogueDeps, row: ArchiveItem, now: datetime
) -> tuple[PresignedUpload, datetime]:
    """A write-once upload of the row's declared size and type, and when it stops working."""
    ttl = timedelta(seconds=deps.settings.upload_url_ttl)
    upload = await deps.store.presign_put(
        row.object_key, expires=ttl, content_type=row.content_type, size=row.size
    )
    return upload, now + ttl


async def request_upload(
    deps: CatalogueDeps,
    session: AsyncSession,
    req: archive_rpc_catalogue.RequestUploadRequest,
    ctx: CallContext,
) -> archive_rpc_catalogue.UploadTicket:
    """A new item, pending until its bytes arrive and check out; it starts its own series."""
    if not domain.is_callers_agency(req.caller, req.agency_id):
        # The gateway sends the engagement it loaded in the caller's scope; checked again.
        raise archive_errors.ArchiveRecordNotFound("no such engagement", field="engagement_id")
    settings = deps.settings
    if req.level > req.caller.clearance:
        # Filing above one's own clearance would make the item unreadable to its uploader.
        raise archive_errors.ArchiveItemNotFound("level above your clearance", field="level")
    _check_declared(settings, req.size, req.content_type)
    if req.volume_id is not None:
        volume = await repository.volume(session, req.volume_id)
        if volume is None or volume.engagement_id != req.engagement_id:
            raise archive_errors.ArchiveRecordNotFound("no such volume", field="volume_id")
    await repository.remember_parties(session, req.engagement_id, req.agency_id, req.unit_id)
    now = datetime.now(UTC)
    item_id = new_id()
    row = ArchiveItem(
        id=item_id,
        series_id=item_id,
        engagement_id=req.engagement_id,
        agency_id=req.agency_id,
        unit_id=req.unit_id,
        client_id=await repository.client_of(session, req.engagement_id),
        volume_id=req.volume_id,
        category=req.category,
        title=req.title,
        filename=domain.display_filename(req.filename),
        content_type=req.content_type.lower(),
        size=req.size,
        sha256=req.sha256,
        version=1,
        object_key=domain.object_key(req.engagement_id, item_id, 1),
        level=req.level,
        retention=req.retention,
        document_date=req.document_date,
        item_metadata=dict(req.metadata),
        evidence_for=req.evidence_for,
        status=archive_enums.ItemStatus.PENDING,
        handed_over=False,
        upload_expires_at=now + timedelta(seconds=settings.upload_expiry),
        created_by=ctx.actor,
        created_at=now,
    )
    upload, expires_at = await _presign(deps, row, now)
    session.add(row)
    await session.flush()
    return upload_ticket(row, upload, expires_at)


async def request_version_upload(
    deps: CatalogueDeps,
    session: AsyncSession,
    req: archive_rpc_catalogue.RequestVersionUploadRequest,
    ctx: CallContext,
) -> archive_rpc_catalogue.UploadTicket:
    """A new version of a filed item: a new row in the item's series, with the next version
    number, its own key and the series' engagement, owners, volume, category, level and
    retention. Completed and filed by `complete_upload` like any upload."""
    named = await repository.agency_item(session, req.caller, req.item_id)
    if named.status != archive_enums.ItemStatus.FILED:
        raise archive_errors.ArchiveStateConflict(
            "the item is {status}: only a filed item gets a new version",
            field="item_id",
            params={"status": named.status},
        )
    if named.source_event_id is not None:
        raise archive_errors.ArchiveStateConflict(
            "the item was filed automatically from an event; its versions come from events",
            field="item_id",
        )
    series = await repository.locked_series(session, named.series_id)
    level = max(r.level for r in series if r.status != archive_enums.ItemStatus.EXPIRED)
    if level > req.caller.clearance:
        # The caller may not see the whole series: as if the item did not exist.
        raise archive_errors.ArchiveItemNotFound("no such archive item", field="item_id")
    now = datetime.now(UTC)
    pending = [r for r in series if r.status == archive_enums.ItemStatus.PENDING]
    abandoned = [r for r in pending if r.upload_expires_at and r.upload_expires_at <= now]
    for row in pending:
        if row not in abandoned:
            raise archive_errors.ArchiveStateConflict(
                "version {version} of this item is already being uploaded (item "
                "{item}): complete that upload, or wait until it expires, before "
                "requesting another",
                field="item_id",
                params={"version": row.version, "item": str(row.id)},
            )
    _check_declared(deps.settings, req.size, req.content_type)
    for row in abandoned:
        # Expired but not yet swept: expire it now, as the sweep would. Its number stays
        # taken, like its id.
        await deps.store.delete(row.object_key)
        row.status = archive_enums.ItemStatus.EXPIRED
    latest = max(
        (r for r in series if r.status == archive_enums.ItemStatus.FILED),
        key=lambda r: r.version,
    )
    version = series[-1].version + 1
    item_id = new_id()
    row = ArchiveItem(
        id=item_id,
        series_id=named.series_id,
        engagement_id=latest.engagement_id,
        agency_id=latest.agency_id,
        unit_id=latest.unit_id,
        client_id=latest.client_id,
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
        status=archive_enums.ItemStatus.PENDING,
        handed_over=False,
        upload_expires_at=now + timedelta(seconds=deps.settings.upload_expiry),
        created_by=ctx.actor,
        created_at=now,
    )
    upload, expires_at = await _presign(deps, row, now)
    session.add(row)
    await session.flush()
    log.info("archive.version_requested", item_id=str(item_id), version=version)
    return upload_ticket(row, upload, expires_at)


async def complete_upload(
    deps: CatalogueDeps,
    session: AsyncSession,
    req: archive_rpc_catalogue.ItemRequest,
    ctx: CallContext,
) -> archive_rpc_catalogue.ItemView:
    """File an uploaded item once the store holds exactly the declared bytes."""
    row = await repository.agency_item(session, req.caller, req.item_id, lock=True)
    if row.status == archive_enums.ItemStatus.FILED:
        return item_view(row)  # a retried completion
    if row.status != archive_enums.ItemStatus.PENDING:
        raise archive_errors.ArchiveStateConflict(
            "the item is {status}", field="item_id", params={"status": row.status}
        )
    if row.upload_expires_at is not None and row.upload_expires_at <= datetime.now(UTC):
        # Past its expiry the upload is abandoned (the sweep, or a new version request,
        # may already have removed its bytes): request a new one.
        raise archive_errors.ArchiveStateConflict(
            "the upload expired; request a new one", field="item_id"
        )
    store = deps.store
    try:
        stored = await store.stat(row.object_key)
    except ObjectNotFound:
        raise archive_errors.UploadMismatch("nothing was uploaded yet", field="item_id") from None
    # Everything below reads this version, and downloads will name it: bytes written
    # under the key later (which the write-once URL refuses anyway) are never served.
    version = stored.version_id
    problem: Message | None = None
    if stored.size != row.size:
        problem = Message(
            "uploaded {size} bytes, declared {declared}",
            {"size": stored.size, "declared": row.size},
        )
    elif stored.content_type.split(";")[0].strip().lower() != row.content_type:
        problem = Message(
            "uploaded as {content_type}, declared {declared}",
            {"content_type": stored.content_type, "declared": row.content_type},
        )
    # Re-hash what the store holds (streamed), never trusting the uploader's claim. The
    # row stays locked meanwhile, so two completions cannot both file it.
    elif (digest := await store.sha256(row.object_key, version_id=version)) != row.sha256:
        problem = Message(
            "SHA-256 {digest} differs from the declared {declared}",
            {"digest": digest, "declared": row.sha256},
        )
    if problem is not None:
        # The bad bytes go; the upload URL may be used again until the item expires.
        await store.delete(row.object_key)
        raise archive_errors.UploadMismatch(
            problem.template, field="item_id", params=problem.params
        )
    await lock_finalised(deps, row, version)
    row.object_version = version
    row.status = archive_enums.ItemStatus.FILED
    row.filed_at = datetime.now(UTC)
    row.upload_expires_at = None
    await session.flush()
    await index_filed(session, row)
    # The record an evidence upload was requested from travels in the event, in this
    # transaction: the engagement service links the item from it, once (its inbox).
    evidence: dict[str, Any] = {"evidence_for": str(row.evidence_for)} if row.evidence_for else {}
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.FILED,
        row.engagement_id,
        [row],
        series_id=str(row.series_id),
        version=str(row.version),
        **evidence,
    )
    log.info("archive.filed", item_id=str(row.id), size=row.size, version=row.version)
    return item_view(row)


async def lock_finalised(deps: CatalogueDeps, row: ArchiveItem, version_id: str | None) -> None:
    """Put a finalised item's stored version under object lock (governance mode) for its
    retention period, where the store supports it (`ObjectStore.object_lock`)."""
    until = domain.lock_until(
        archive_enums.Retention(row.retention), row.document_date, datetime.now(UTC)
    )
    if until is None:
        return
    if await deps.store.retain(row.object_key, version_id=version_id, until=until):
        log.info("archive.object_locked", item_id=str(row.id), until=until.isoformat())


async def expire_uploads(deps: CatalogueDeps, session: AsyncSession) -> int:
    """Remove uploads never completed: their bytes (if any arrived) and their visibility.
    The row stays as `expired` so the id is never reused. Records no events."""
    for row in await repository.expired_uploads(session, datetime.now(UTC), SWEEP_BATCH):
        await deps.store.delete(row.object_key)
        row.status = archive_enums.ItemStatus.EXPIRED
        log.info("archive.upload_expired", item_id=str(row.id))
    await session.flush()
    return 0
