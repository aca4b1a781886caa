"""移交 (R4.2.4.2), one act seen from two services. The engagement's `HandOver` step is
the act: it moves the stage and records `engagement.handed_over.v1` in one commit. Before
it, the gateway has this service `check` the items and waivers (read only). From the
event, `record` writes the archive's handover: the list with its hashes, sealed by a
signed ledger checkpoint made at that moment. It refuses nothing that was checked (filed
items stay filed or become tombstones with their hash), so the two halves cannot
disagree. The unit's representative then acknowledges it here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import handover as archive_handover
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from contracts.engagement.events import HandedOverV1
from kit.rpc import CallContext
from services.archive.catalogue import queries, repository
from services.archive.catalogue.commands.actions import record_action
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import ArchiveItem, Handover, HandoverItem
from services.archive.ledger import commands as ledger_commands

# Handover ids: uuid5 of the engagement's handed_over event id in this namespace, so a
# redelivered event names the same handover.
HANDOVER_NAMESPACE = uuid.UUID("0b8f4d7e-3c52-4a61-9e0f-6d2a71c4b913")


def handover_id(event_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(HANDOVER_NAMESPACE, str(event_id))


async def check(
    session: AsyncSession, req: archive_handover.HandoverCheckRequest
) -> archive_handover.HandoverCheckReply:
    """What the engagement's handover may name: filed items of this engagement that the
    caller's agency holds and the caller may see; every required kind handed over or
    waived. Changes nothing."""
    parties = await repository.parties(session, req.engagement_id)
    if parties is None or parties.agency_id != req.caller.scope.agency_id:
        raise archive_errors.ArchiveRecordNotFound("no such engagement", field="engagement_id")
    lines: list[archive_handover.HandoverLine] = []
    for n, item_id in enumerate(dict.fromkeys(req.item_ids)):
        try:
            row = await repository.agency_item(session, req.caller, item_id)
        except archive_errors.ArchiveItemNotFound:
            raise archive_errors.ArchiveItemNotFound(
                "no such archive item", field=f"deliverables.{n}"
            ) from None
        if row.engagement_id != req.engagement_id or row.status != archive_enums.ItemStatus.FILED:
            raise archive_errors.ArchiveStateConflict(
                "only filed items of this engagement", field=f"deliverables.{n}"
            )
        lines.append(
            archive_handover.HandoverLine(
                item_id=row.id, kind=row.category, version=row.version, sha256=row.sha256
            )
        )
    missing = archive_handover.missing_kinds({line.kind for line in lines}, req.waivers)
    if missing:
        raise archive_errors.HandoverIncomplete(
            "required results neither handed over nor waived: {missing} (hand them over "
            "or give the reason for waiving them)",
            params={"missing": [str(k) for k in missing]},
            field="waivers",
            details={"missing": [str(k) for k in missing]},
        )
    return archive_handover.HandoverCheckReply(lines=lines)


async def record(deps: CatalogueDeps, session: AsyncSession, event: HandedOverV1) -> Handover:
    """The archive's side of the engagement's handover, from its event: the list in the
    order handed over, each with its hash now, sealed by a checkpoint."""
    assert event.engagement_id is not None
    parties = await repository.parties(session, event.engagement_id)
    if parties is None:
        # The engagement's creation has not reached us yet: fail, be redelivered later.
        raise LookupError(f"engagement {event.engagement_id} not yet known to the archive")
    items: list[ArchiveItem] = await repository.items_in_order(
        session, list(dict.fromkeys(event.data.deliverables))
    )
    checkpoint = await ledger_commands.create_checkpoint(session, deps.signer)
    handover = Handover(
        id=handover_id(event.event_id),
        engagement_id=event.engagement_id,
        agency_id=parties.agency_id,
        unit_id=parties.unit_id,
        created_by=event.actor,
        created_at=datetime.now(UTC),
        checkpoint_id=checkpoint.id,
        handed_over_on=event.data.handed_over_on,
        waivers=[w.model_dump(mode="json") for w in event.data.waivers],
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
    ctx = CallContext(actor=event.actor, tenant=event.tenant, correlation_id=event.correlation_id)
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.HANDED_OVER,
        event.engagement_id,
        items,
        handover_id=str(handover.id),
        checkpoint_size=str(checkpoint.tree_size),
        checkpoint_root=checkpoint.root_hash,
        source_event=str(event.event_id),
    )
    return handover


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
