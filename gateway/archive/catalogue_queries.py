"""Queries of the archive catalogue. The gateway checks the role (casbin) and the level
(clearance ≥ 密级) of every item it returns; the archive service has already filtered by
tenant and clearance in SQL. Anything denied reads as missing."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from contracts.core import ValidationFailed
from gateway.archive.access import caller_of
from gateway.archive.catalogue_types import (
    ArchiveCatalogue,
    ArchiveItem,
    ArchiveItemConnection,
    ArchiveItemEdge,
    ArchiveVolume,
    Handover,
    ItemCategory,
    readable,
    versions_loader,
)
from gateway.context import Context
from gateway.ids import decode_global_id, encode_cursor
from gateway.mutation import checked
from gateway.pagination import optional_id, page_info, page_of


def _uuid(value: strawberry.ID, kind: str, field: str) -> UUID | None:
    try:
        return decode_global_id(value, kind, field=field)
    except ValidationFailed:
        return None


@strawberry.type
class CatalogueQueries:
    @strawberry.field(description="An archive item; null if missing or not yours to see.")
    async def archive_item(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> ArchiveItem | None:
        ctx = info.context
        item_id = _uuid(id, "ArchiveItem", "id")
        if item_id is None or not ctx.authorizer.can("archive_item", "read"):
            return None
        req = archive_rpc_catalogue.GetItemsRequest(caller=caller_of(ctx), ids=[item_id])
        [view] = await ctx.clients.archive.items(req)
        return ArchiveItem.from_view(view) if view and readable(ctx, view) else None

    @strawberry.field(
        description="案卷目录: an engagement's volumes and the filed items (and "
        "tombstones) you may see; a unit sees what was handed over to it. One line per "
        "series: an item whose series has a later filed version you may see is left out "
        "unless includeSuperseded."
    )
    async def archive_catalogue(
        self,
        info: Info[Context, None],
        engagement_id: strawberry.ID,
        include_superseded: bool = False,
    ) -> ArchiveCatalogue:
        ctx = info.context
        engagement = _uuid(engagement_id, "Engagement", "engagementId")
        if engagement is None or not ctx.authorizer.can("archive_item", "read"):
            return ArchiveCatalogue(volumes=[], items=[])
        req = archive_rpc_catalogue.CatalogueRequest(
            caller=caller_of(ctx),
            engagement_id=engagement,
            include_superseded=include_superseded,
        )
        reply = await ctx.clients.archive.catalogue(req)
        loader = versions_loader(ctx)
        return ArchiveCatalogue(
            volumes=[ArchiveVolume.from_view(v) for v in reply.volumes],
            items=[ArchiveItem.from_view(i, loader) for i in reply.items if readable(ctx, i)],
        )

    @strawberry.field(
        description="Archive items across every engagement you may see, oldest first: "
        "`search` finds part of the title; the current version of each series unless "
        "includeSuperseded."
    )
    async def archive_items(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        search: str | None = None,
        engagement_id: strawberry.ID | None = None,
        category: ItemCategory | None = None,  # type: ignore[valid-type]
        document_date_from: date | None = None,
        document_date_to: date | None = None,
        level: int | None = None,
        include_superseded: bool = False,
    ) -> ArchiveItemConnection:
        ctx = info.context
        page = page_of(first, after)
        engagement = optional_id(engagement_id, "Engagement", "engagementId")
        if not ctx.authorizer.can("archive_item", "read"):
            return ArchiveItemConnection(
                edges=[], page_info=page_info([], False, after), total_count=0
            )
        req = checked(
            archive_rpc_catalogue.SearchItemsRequest,
            caller=caller_of(ctx),
            search=search,
            engagement_id=engagement,
            category=category,
            document_date_from=document_date_from,
            document_date_to=document_date_to,
            level=level,
            include_superseded=include_superseded,
            page=page,
        )
        result = await ctx.clients.archive.search_items(req)
        loader = versions_loader(ctx)
        shown = [i for i in result.items if readable(ctx, i)]
        return ArchiveItemConnection(
            edges=[
                ArchiveItemEdge(cursor=encode_cursor(i.id), node=ArchiveItem.from_view(i, loader))
                for i in shown
            ],
            page_info=page_info([i.id for i in result.items], result.has_next, after),
            total_count=result.total,
        )

    @strawberry.field(description="An engagement's handovers (移交), each with its checkpoint.")
    async def handovers(
        self, info: Info[Context, None], engagement_id: strawberry.ID
    ) -> list[Handover]:
        ctx = info.context
        engagement = _uuid(engagement_id, "Engagement", "engagementId")
        if engagement is None or not ctx.authorizer.can("handover", "read"):
            return []
        req = archive_rpc_catalogue.HandoversRequest(
            caller=caller_of(ctx), engagement_id=engagement
        )
        return [Handover.from_view(h) for h in await ctx.clients.archive.handovers(req)]
