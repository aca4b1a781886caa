"""Catalogue reads behind the RPCs: items, the catalogue of an engagement, versions,
handovers, borrow requests and the usage register."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from kit.keyset import page_of
from services.archive.catalogue import domain, repository, search
from services.archive.catalogue.models import ArchiveItem, Handover
from services.archive.catalogue.views import (
    borrow_view,
    handover_view,
    item_view,
    usage_view,
    volume_view,
)
from services.archive.ledger.repository import checkpoints


async def get_items(
    session: AsyncSession, req: archive_rpc_catalogue.GetItemsRequest
) -> archive_rpc_catalogue.ItemsReply:
    found = await repository.visible_items(session, req.caller, req.ids)
    return archive_rpc_catalogue.ItemsReply(
        items=[item_view(found[i]) if i in found else None for i in req.ids]
    )


async def catalogue(
    session: AsyncSession, req: archive_rpc_catalogue.CatalogueRequest
) -> archive_rpc_catalogue.CatalogueReply:
    """The catalogue: by default the current version of each series (and tombstones not
    superseded); with `include_superseded`, every version, oldest first within a series."""
    items = await repository.catalogue_items(
        session, req.caller, req.engagement_id, superseded=req.include_superseded
    )
    volumes = await repository.volumes(session, req.caller, req.engagement_id, items)
    return archive_rpc_catalogue.CatalogueReply(
        volumes=[volume_view(v) for v in volumes], items=[item_view(i) for i in items]
    )


async def search_items(
    session: AsyncSession, req: archive_rpc_catalogue.SearchItemsRequest
) -> archive_rpc_catalogue.ItemPage:
    rows, has_next, total = await page_of(
        session, search.items_query(req), ArchiveItem.id, req.page
    )
    return archive_rpc_catalogue.ItemPage(
        items=[item_view(r[0]) for r in rows], has_next=has_next, total=total
    )


async def versions(
    session: AsyncSession, req: archive_rpc_catalogue.VersionsRequest
) -> archive_rpc_catalogue.VersionsReply:
    """The filed versions of each series asked for that this caller may see, oldest first."""
    by_series: dict[UUID, list[archive_rpc_catalogue.ItemView]] = {s: [] for s in req.series_ids}
    if req.series_ids:
        for row in await repository.filed_versions(session, req.caller, req.series_ids):
            by_series[row.series_id].append(item_view(row))
    return archive_rpc_catalogue.VersionsReply(items=[by_series[s] for s in req.series_ids])


async def handover(
    session: AsyncSession, row: Handover, caller: archive_rpc_catalogue.Caller
) -> archive_rpc_catalogue.HandoverView:
    """The handover as this caller may read it: only the items it may see (`may_see`:
    none above its clearance), neither their ids nor their hashes otherwise."""
    lines = await repository.handover_lines(session, row.id)
    visible = await repository.visible_items(session, caller, [line.item_id for line in lines])
    shown = [line for line in lines if line.item_id in visible]
    return handover_view(row, shown, await checkpoints.get(session, row.checkpoint_id))


async def list_handovers(
    session: AsyncSession, req: archive_rpc_catalogue.HandoversRequest
) -> archive_rpc_catalogue.HandoversReply:
    rows = await repository.handovers(session, req.engagement_id, req.caller.scope)
    return archive_rpc_catalogue.HandoversReply(
        items=[await handover(session, h, req.caller) for h in rows]
    )


async def list_borrows(
    session: AsyncSession, req: archive_rpc_catalogue.BorrowsRequest
) -> archive_rpc_catalogue.BorrowsReply:
    """The keeper's agency sees every request for its item; anyone else their own."""
    row = await repository.visible_item(session, req.caller, req.item_id)
    own = None
    if not domain.agency_holds(req.caller, row.holding):
        own = f"unit:{req.caller.scope.unit_id}"
    rows = await repository.borrows(session, row.id, own)
    return archive_rpc_catalogue.BorrowsReply(items=[borrow_view(b) for b in rows])


async def usage(
    session: AsyncSession, req: archive_rpc_catalogue.ItemRequest
) -> archive_rpc_catalogue.UsageReply:
    row = await repository.agency_item(session, req.caller, req.item_id)
    return archive_rpc_catalogue.UsageReply(
        items=[usage_view(u) for u in await repository.usage(session, row.id)]
    )
