"""移交 (R4.2.4.2): a handover list of filed items given to the unit, sealed with a signed
ledger checkpoint made at that moment, acknowledged by the unit's representative. With
the checkpoint the unit can later prove what the ledger held when it received the files."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from kit.ids import new_id
from kit.rpc import CallContext
from services.archive.catalogue import queries, repository
from services.archive.catalogue.commands.actions import record_action
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import ArchiveItem, Handover, HandoverItem
from services.archive.ledger import commands as ledger_commands


async def hand_over(
    deps: CatalogueDeps,
    session: AsyncSession,
    req: archive_rpc_catalogue.HandOverRequest,
    ctx: CallContext,
) -> archive_rpc_catalogue.HandoverView:
    parties = await repository.parties(session, req.engagement_id)
    if parties is None or parties.agency_id != req.caller.scope.agency_id:
        raise archive_errors.ArchiveRecordNotFound("no such engagement", field="engagement_id")
    items: list[ArchiveItem] = []
    for n, item_id in enumerate(dict.fromkeys(req.item_ids)):
        try:
            row = await repository.agency_item(session, req.caller, item_id, lock=True)
        except archive_errors.ArchiveItemNotFound:
            raise archive_errors.ArchiveItemNotFound(
                "no such archive item", field=f"item_ids.{n}"
            ) from None
        if row.engagement_id != req.engagement_id or row.status != archive_enums.ItemStatus.FILED:
            raise archive_errors.ArchiveStateConflict(
                "only filed items of this engagement", field=f"item_ids.{n}"
            )
        items.append(row)
    checkpoint = await ledger_commands.create_checkpoint(session, deps.signer)
    handover = Handover(
        id=new_id(),
        engagement_id=req.engagement_id,
        agency_id=parties.agency_id,
        unit_id=parties.unit_id,
        created_by=ctx.actor,
        created_at=datetime.now(UTC),
        checkpoint_id=checkpoint.id,
    )
    session.add(handover)
    await session.flush()
    for position, row in enumerate(items):
        session.add(
            HandoverItem(
                handover_id=handover.id, item_id=row.id, position=position, sha256=row.sha256
            )
        )
        row.handed_over = True
    await session.flush()
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.HANDED_OVER,
        req.engagement_id,
        items,
        handover_id=str(handover.id),
        checkpoint_size=str(checkpoint.tree_size),
        checkpoint_root=checkpoint.root_hash,
    )
    return await queries.handover(session, handover, req.caller)


async def acknowledge(
    session: AsyncSession, req: archive_rpc_catalogue.AcknowledgeHandoverRequest, ctx: CallContext
) -> archive_rpc_catalogue.HandoverView:
    handover = await repository.handover(session, req.handover_id)
    unit = req.caller.scope.unit_id
    if handover is None or unit is None or handover.unit_id != unit:
        raise archive_errors.ArchiveRecordNotFound("no such handover", field="handover_id")
    if handover.acknowledged_at is not None:
        raise archive_errors.ArchiveStateConflict("already acknowledged", field="handover_id")
    handover.acknowledged_at = datetime.now(UTC)
    handover.acknowledged_by = ctx.actor
    handover.representative = req.representative
    await session.flush()
    lines = await repository.handover_lines(session, handover.id)
    rows = await repository.items_in_order(session, [line.item_id for line in lines])
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.HANDOVER_ACKNOWLEDGED,
        handover.engagement_id,
        rows,
        handover_id=str(handover.id),
        representative=req.representative,
    )
    return await queries.handover(session, handover, req.caller)
