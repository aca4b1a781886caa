"""Catalogue reads behind the RPCs: items, the catalogue of an engagement, versions,
handovers, borrow requests and the usage register."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc_catalogue as c
from services.archive.catalogue import domain, repository
from services.archive.catalogue.models import Handover
from services.archive.catalogue.views import (
    borrow_view,
    handover_view,
    item_view,
    usage_view,
    volume_view,
)
from services.archive.ledger.repository import checkpoints


async def get_items(session: AsyncSession, req: c.GetItemsRequest) -> c.ItemsReply:
    found = await repository.visible_items(session, req.caller, req.ids)
    return c.ItemsReply(items=[item_view(found[i]) if i in found else None for i in req.ids])


async def catalogue(session: AsyncSession, req: c.CatalogueRequest) -> c.CatalogueReply:
    """The catalogue: by default the current version of each series (and tombstones not
    superseded); with `include_superseded`, every version, oldest first within a series."""
    items = await repository.catalogue_items(
        session, req.caller, req.engagement_id, superseded=req.include_superseded
    )
    volumes = await repository.volumes(session, req.caller, req.engagement_id, items)
    return c.CatalogueReply(
        volumes=[volume_view(v) for v in volumes], items=[item_view(i) for i in items]
    )


async def versions(session: AsyncSession, req: c.VersionsRequest) -> c.VersionsReply:
    """The filed versions of each series asked for that this caller may see, oldest first."""
    by_series: dict[UUID, list[c.ItemView]] = {s: [] for s in req.series_ids}
    if req.series_ids:
        for row in await repository.filed_versions(session, req.caller, req.series_ids):
            by_series[row.series_id].append(item_view(row))
    return c.VersionsReply(items=[by_series[s] for s in req.series_ids])


async def handover(session: AsyncSession, row: Handover) -> c.HandoverView:
    lines = await repository.handover_lines(session, row.id)
    return handover_view(row, lines, await checkpoints.get(session, row.checkpoint_id))


async def list_handovers(session: AsyncSession, req: c.HandoversRequest) -> c.HandoversReply:
    rows = await repository.handovers(session, req.engagement_id, req.caller.scope)
    return c.HandoversReply(items=[await handover(session, h) for h in rows])


async def list_borrows(session: AsyncSession, req: c.BorrowsRequest) -> c.BorrowsReply:
    """The keeper's agency sees every request for its item; anyone else their own."""
    row = await repository.visible_item(session, req.caller, req.item_id)
    own = None
    if not domain.agency_holds(req.caller, row.holding):
        own = f"unit:{req.caller.scope.unit_id}"
    rows = await repository.borrows(session, row.id, own)
    return c.BorrowsReply(items=[borrow_view(b) for b in rows])


async def usage(session: AsyncSession, req: c.ItemRequest) -> c.UsageReply:
    row = await repository.agency_item(session, req.caller, req.item_id)
    return c.UsageReply(items=[usage_view(u) for u in await repository.usage(session, row.id)])
