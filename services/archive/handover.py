"""移交 (R4.2.4.2): a handover list of filed items given to the unit, sealed with a signed
ledger checkpoint made at that moment, acknowledged by the unit's representative. With
the checkpoint the unit can later prove what the ledger held when it received the files."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as c
from kit.ids import new_id
from kit.rpc import CallContext
from services.archive import checkpoints
from services.archive.models import (
    ArchiveItem,
    EngagementParties,
    Handover,
    HandoverItem,
    LedgerCheckpoint,
)
from services.archive.records import Archive, agency_item, record_action


async def hand_over(
    archive: Archive, session: AsyncSession, req: c.HandOverRequest, ctx: CallContext
) -> c.HandoverView:
    parties = await session.get(EngagementParties, req.engagement_id)
    if parties is None or parties.agency_id != req.caller.scope.agency_id:
        raise archive_errors.ArchiveRecordNotFound("no such engagement", field="engagement_id")
    items: list[ArchiveItem] = []
    for n, item_id in enumerate(dict.fromkeys(req.item_ids)):
        try:
            row = await agency_item(session, req.caller, item_id, lock=True)
        except archive_errors.ArchiveItemNotFound:
            raise archive_errors.ArchiveItemNotFound(
                "no such archive item", field=f"item_ids.{n}"
            ) from None
        if (
            row.engagement_id != req.engagement_id
            or row.status != archive_enums.ItemStatus.FILED.value
        ):
            raise archive_errors.ArchiveStateConflict(
                "only filed items of this engagement", field=f"item_ids.{n}"
            )
        items.append(row)
    checkpoint = await checkpoints.create(session, archive.signer)
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
        "handed_over",
        req.engagement_id,
        items,
        handover_id=str(handover.id),
        checkpoint_size=str(checkpoint.tree_size),
        checkpoint_root=checkpoint.root_hash,
    )
    return await _view(session, handover)


async def acknowledge(
    session: AsyncSession, req: c.AcknowledgeHandoverRequest, ctx: CallContext
) -> c.HandoverView:
    handover = await session.get(Handover, req.handover_id, with_for_update=True)
    unit = req.caller.scope.unit_id
    if handover is None or unit is None or handover.unit_id != unit:
        raise archive_errors.ArchiveRecordNotFound("no such handover", field="handover_id")
    if handover.acknowledged_at is not None:
        raise archive_errors.ArchiveStateConflict("already acknowledged", field="handover_id")
    handover.acknowledged_at = datetime.now(UTC)
    handover.acknowledged_by = ctx.actor
    handover.representative = req.representative
    await session.flush()
    lines = await _lines(session, handover.id)
    rows = [await session.get_one(ArchiveItem, line.item_id) for line in lines]
    await record_action(
        session,
        ctx,
        "handover_acknowledged",
        handover.engagement_id,
        rows,
        handover_id=str(handover.id),
        representative=req.representative,
    )
    return await _view(session, handover)


async def list_handovers(session: AsyncSession, req: c.HandoversRequest) -> c.HandoversReply:
    scope = req.caller.scope
    query = select(Handover).where(Handover.engagement_id == req.engagement_id)
    if scope.agency_id is not None:
        query = query.where(Handover.agency_id == scope.agency_id)
    elif scope.unit_id is not None:
        query = query.where(Handover.unit_id == scope.unit_id)
    else:
        return c.HandoversReply(items=[])
    rows = (await session.execute(query.order_by(Handover.created_at))).scalars()
    return c.HandoversReply(items=[await _view(session, h) for h in rows])


async def _lines(session: AsyncSession, handover_id: UUID) -> list[HandoverItem]:
    rows = await session.execute(
        select(HandoverItem)
        .where(HandoverItem.handover_id == handover_id)
        .order_by(HandoverItem.position)
    )
    return list(rows.scalars())


async def _view(session: AsyncSession, handover: Handover) -> c.HandoverView:
    lines = await _lines(session, handover.id)
    checkpoint = await session.get_one(LedgerCheckpoint, handover.checkpoint_id)
    return c.HandoverView(
        id=handover.id,
        engagement_id=handover.engagement_id,
        unit_id=handover.unit_id,
        item_ids=[line.item_id for line in lines],
        item_sha256=[line.sha256 for line in lines],
        created_by=handover.created_by,
        created_at=handover.created_at,
        checkpoint_id=checkpoint.id,
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        checkpoint_note=checkpoint.note,
        acknowledged_by=handover.acknowledged_by,
        representative=handover.representative,
        acknowledged_at=handover.acknowledged_at,
    )
