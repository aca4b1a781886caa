"""销毁 after the retention period: an appraisal (鉴定) proposes it, the archive keeper
approves it with two witnesses (监销人) and it is executed at once. The object is removed,
every stored version of it;
the item stays in the catalogue as a tombstone with the hash of what was destroyed, and
the ledger records the destruction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from kit.ids import new_id
from kit.logging import get_logger
from kit.rpc import CallContext
from services.archive.catalogue import domain, repository
from services.archive.catalogue.commands.actions import record_action
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import Destruction
from services.archive.catalogue.views import destruction_view

log = get_logger(__name__)


async def request_destruction(
    session: AsyncSession, req: archive_rpc_catalogue.RequestDestructionRequest, ctx: CallContext
) -> archive_rpc_catalogue.DestructionView:
    row = await repository.agency_item(session, req.caller, req.item_id, lock=True)
    if row.status != archive_enums.ItemStatus.FILED:
        raise archive_errors.ArchiveStateConflict(
            "the item is {status}", field="item_id", params={"status": row.status}
        )
    retention = archive_enums.Retention(row.retention)
    if not domain.may_destroy(retention, row.document_date, datetime.now(UTC).date()):
        ends = domain.retention_ends(retention, row.document_date)
        if ends is None:
            raise archive_errors.ArchiveStateConflict("kept permanently", field="item_id")
        raise archive_errors.ArchiveStateConflict(
            "retention runs until {date}", field="item_id", params={"date": ends.isoformat()}
        )
    destruction = Destruction(
        id=new_id(),
        item_id=row.id,
        appraisal=req.appraisal,
        appraised_by=ctx.actor,
        witnesses=[],
        created_at=datetime.now(UTC),
    )
    session.add(destruction)
    await session.flush()
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.DESTRUCTION_APPRAISED,
        row.engagement_id,
        [row],
        id=str(destruction.id),
    )
    return destruction_view(destruction)


async def approve_destruction(
    deps: CatalogueDeps,
    session: AsyncSession,
    req: archive_rpc_catalogue.ApproveDestructionRequest,
    ctx: CallContext,
) -> archive_rpc_catalogue.DestructionView:
    destruction = await repository.destruction(session, req.destruction_id)
    if destruction is None:
        raise archive_errors.ArchiveRecordNotFound("no such destruction", field="destruction_id")
    try:
        row = await repository.agency_item(session, req.caller, destruction.item_id, lock=True)
    except archive_errors.ArchiveItemNotFound:
        raise archive_errors.ArchiveRecordNotFound(
            "no such destruction", field="destruction_id"
        ) from None
    if destruction.executed_at is not None or row.status != archive_enums.ItemStatus.FILED:
        raise archive_errors.ArchiveStateConflict("already executed", field="destruction_id")
    if destruction.appraised_by == ctx.actor:
        raise archive_errors.ArchiveStateConflict(
            "the appraiser cannot approve", field="destruction_id"
        )
    if not domain.witnesses_valid(req.witnesses, ctx.actor):
        raise archive_errors.ArchiveStateConflict(
            "two distinct witnesses, not the approver", field="witnesses"
        )
    now = datetime.now(UTC)
    destruction.approved_by = ctx.actor
    destruction.witnesses = [w.strip() for w in req.witnesses]
    destruction.executed_at = now
    row.status = archive_enums.ItemStatus.DESTROYED
    row.destroyed_at = now
    # After every check: a failure above leaves the bytes. Every stored version goes
    # (a versioned bucket would otherwise keep the old ones behind a delete marker),
    # governance locks bypassed; what the store refuses is named in the note. If the
    # commit fails after this, the item is still `filed` with its bytes gone, which
    # `ecohost archive verify` reports.
    purged = await deps.store.purge(row.object_key)
    destruction.remains = domain.destruction_remains(row.sha256, purged.remaining)
    await session.flush()
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.DESTROYED,
        row.engagement_id,
        [row],
        id=str(destruction.id),
        witnesses=", ".join(destruction.witnesses),
        versions_removed=str(purged.removed),
        versions_remaining=str(len(purged.remaining)),
    )
    if purged.remaining:
        log.warning(
            "archive.destruction_incomplete", item_id=str(row.id), remaining=purged.remaining
        )
    log.info("archive.destroyed", item_id=str(row.id), versions_removed=purged.removed)
    return destruction_view(destruction)
