"""Queries of the archive catalogue. The gateway checks the role (casbin) and the level
(clearance ≥ 密级) of every item it returns; the archive service has already filtered by
tenant and clearance in SQL. Anything denied reads as missing."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from contracts.core import ValidationFailed
from gateway.archive.access import caller_of
from gateway.archive.catalogue_types import (
    ArchiveCatalogue,
    ArchiveItem,
    ArchiveVolume,
    Handover,
    readable,
    versions_loader,
)
from gateway.context import Context
from gateway.ids import decode_global_id


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
