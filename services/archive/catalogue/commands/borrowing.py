"""借阅 and 利用登记: borrowing requests decided by the archive keeper, time-limited
grants, and download URLs — each one issued only after this service's own check of the
caller's tenant and clearance, and each one written to the usage register and the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from kit.ids import new_id
from kit.rpc import CallContext
from services.archive.catalogue import domain, repository
from services.archive.catalogue.commands.actions import record_action
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import BorrowRequest, UsageRecord
from services.archive.catalogue.views import borrow_view


async def request_borrow(
    session: AsyncSession, req: archive_rpc_catalogue.RequestBorrowRequest, ctx: CallContext
) -> archive_rpc_catalogue.BorrowView:
    row = await repository.visible_item(session, req.caller, req.item_id)
    if row.status != archive_enums.ItemStatus.FILED:
        raise archive_errors.ArchiveStateConflict(
            "the item is {status}", field="item_id", params={"status": row.status}
        )
    borrow = BorrowRequest(
        id=new_id(),
        item_id=row.id,
        requested_by=ctx.actor,
        requester_tenant=ctx.tenant,
        purpose=req.purpose,
        copy_requested=req.copy_requested,
        days=req.days,
        status=archive_enums.BorrowStatus.REQUESTED,
        decision_note="",
        copy_approved=False,
        created_at=datetime.now(UTC),
    )
    session.add(borrow)
    await session.flush()
    return borrow_view(borrow)


async def decide_borrow(
    session: AsyncSession, req: archive_rpc_catalogue.DecideBorrowRequest, ctx: CallContext
) -> archive_rpc_catalogue.BorrowView:
    borrow = await repository.borrow(session, req.borrow_id)
    if borrow is None:
        raise archive_errors.ArchiveRecordNotFound("no such borrow request", field="borrow_id")
    try:
        row = await repository.agency_item(session, req.caller, borrow.item_id)
    except archive_errors.ArchiveItemNotFound:
        raise archive_errors.ArchiveRecordNotFound(
            "no such borrow request", field="borrow_id"
        ) from None
    if borrow.status != archive_enums.BorrowStatus.REQUESTED:
        raise archive_errors.ArchiveStateConflict(
            "already {status}", field="borrow_id", params={"status": borrow.status}
        )
    if borrow.requested_by == ctx.actor:
        raise archive_errors.ArchiveStateConflict(
            "nobody approves their own request", field="borrow_id"
        )
    now = datetime.now(UTC)
    borrow.status = (
        archive_enums.BorrowStatus.APPROVED if req.approve else archive_enums.BorrowStatus.REJECTED
    )
    borrow.decided_by = ctx.actor
    borrow.decided_at = now
    borrow.decision_note = req.note
    borrow.copy_approved = req.approve and borrow.copy_requested and req.approve_copy
    borrow.valid_until = now + timedelta(days=borrow.days) if req.approve else None
    await session.flush()
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.BORROW_APPROVED
        if req.approve
        else archive_enums.ArchiveAction.BORROW_REJECTED,
        row.engagement_id,
        [row],
        agency_only=True,
        borrow_id=str(borrow.id),
        borrower=borrow.requested_by,
        copy=str(borrow.copy_approved).lower(),
    )
    return borrow_view(borrow)


async def issue_download(
    deps: CatalogueDeps,
    session: AsyncSession,
    req: archive_rpc_catalogue.IssueDownloadRequest,
    ctx: CallContext,
) -> archive_rpc_catalogue.DownloadView:
    row = await repository.visible_item(session, req.caller, req.item_id)
    if not domain.may_download(req.caller, row.holding):
        raise archive_errors.ArchiveItemNotFound("no such archive item", field="item_id")
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=deps.settings.download_url_ttl)
    grant = None
    if not req.direct:
        grant = await repository.current_grant(session, row.id, ctx.actor, now)
        if grant is None:
            raise archive_errors.ArchiveStateConflict("borrow the item first", field="item_id")
        assert grant.valid_until is not None
        expires_at = min(expires_at, grant.valid_until)
    # The version that was hashed and filed, as an attachment under the user's file name.
    url = await deps.store.presign_get(
        row.object_key,
        expires=expires_at - now,
        version_id=row.object_version,
        filename=row.filename,
    )
    usage = UsageRecord(
        id=new_id(),
        item_id=row.id,
        actor=ctx.actor,
        tenant=ctx.tenant,
        borrow_id=grant.id if grant else None,
        issued_at=now,
        expires_at=expires_at,
    )
    session.add(usage)
    await session.flush()
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.DOWNLOAD_URL_ISSUED,
        row.engagement_id,
        [row],
        agency_only=True,
        usage_id=str(usage.id),
        expires_at=expires_at.isoformat(),
    )
    return archive_rpc_catalogue.DownloadView(
        item_id=row.id, url=url, expires_at=expires_at, borrow_id=usage.borrow_id
    )
