"""Arranging an engagement's archive: volumes (案卷) and an item's confidentiality
level (密级)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from kit.ids import new_id
from kit.rpc import CallContext
from services.archive.catalogue import domain, repository
from services.archive.catalogue.commands.actions import record_action
from services.archive.catalogue.models import ArchiveVolume
from services.archive.catalogue.views import item_view, volume_view


async def create_volume(
    session: AsyncSession, req: archive_rpc_catalogue.CreateVolumeRequest, ctx: CallContext
) -> archive_rpc_catalogue.VolumeView:
    if not domain.is_callers_agency(req.caller, req.agency_id):
        # The gateway sends the engagement it loaded in the caller's scope; checked again.
        raise archive_errors.ArchiveRecordNotFound("no such engagement", field="engagement_id")
    await repository.remember_parties(session, req.engagement_id, req.agency_id, req.unit_id)
    row = ArchiveVolume(
        id=new_id(),
        engagement_id=req.engagement_id,
        agency_id=req.agency_id,
        unit_id=req.unit_id,
        title=req.title,
        retention=req.retention,
        created_by=ctx.actor,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return volume_view(row)


async def change_level(
    session: AsyncSession, req: archive_rpc_catalogue.ChangeLevelRequest, ctx: CallContext
) -> archive_rpc_catalogue.ItemView:
    row = await repository.agency_item(session, req.caller, req.item_id, lock=True)
    if row.status != archive_enums.ItemStatus.FILED:
        raise archive_errors.ArchiveStateConflict(
            "the item is {status}", field="item_id", params={"status": row.status}
        )
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
        archive_enums.ArchiveAction.LEVEL_CHANGED,
        row.engagement_id,
        [row],
        previous=str(previous),
        level=str(req.level),
        reason=req.reason,
    )
    return item_view(row)
