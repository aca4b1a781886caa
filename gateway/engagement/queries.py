"""Queries over units and engagements. Each checks casbin, then scopes in the service."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from contracts.core import ValidationFailed
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from contracts.engagement.enums import ServiceMode, Stage
from gateway.context import Context, scope_of
from gateway.engagement.prefetch import prefetch_rows
from gateway.engagement.types import (
    Engagement,
    EngagementConnection,
    Unit,
    UnitConnection,
    visible_engagement,
    visible_unit,
)
from gateway.engagement.workflow_types import CatalogueItem, DueItem, Meeting
from gateway.ids import decode_global_id, encode_cursor
from gateway.mutation import checked
from gateway.pagination import optional_id, page_info, page_of

MAX_DUE_ITEMS = 1000


@strawberry.type
class EngagementQueries:
    @strawberry.field(
        description="List items whose time node falls in a date range, or that are overdue, "
        "across the engagements you may see (by due date)."
    )
    async def due_items(
        self,
        info: Info[Context, None],
        due_from: date | None = None,
        due_to: date | None = None,
        overdue_only: bool = False,
        unit_id: strawberry.ID | None = None,
        limit: int = 200,
    ) -> list[DueItem]:
        ctx = info.context
        if not ctx.authorizer.can("engagement", "read"):
            return []
        if not 0 < limit <= MAX_DUE_ITEMS:
            raise ValidationFailed(
                "limit must be between 1 and {max}", field="limit", params={"max": MAX_DUE_ITEMS}
            )
        req = engagement_rpc_workflow.DueItemsRequest(
            scope=scope_of(ctx.authorizer),
            due_from=due_from,
            due_to=due_to,
            overdue_only=overdue_only,
            unit_id=optional_id(unit_id, "Unit", "unitId"),
            limit=limit,
        )
        return [DueItem.from_view(v) for v in await ctx.clients.engagement.due_items(req)]

    @strawberry.field(
        description="For experts: the meetings you were invited to, newest first. Experts see "
        "these meetings and nothing else of the engagements."
    )
    async def my_meetings(self, info: Info[Context, None]) -> list[Meeting]:
        ctx = info.context
        if not ctx.authorizer.can("meeting", "read"):
            return []
        meetings = await ctx.clients.engagement.expert_meetings(
            ctx.principal.user_id, scope_of(ctx.authorizer)
        )
        return [Meeting.from_view(m) for m in meetings]

    @strawberry.field(description="托管服务内容 (clause 6): the service catalogue, latest version.")
    async def catalogue(
        self, info: Info[Context, None], version: int | None = None
    ) -> list[CatalogueItem]:
        ctx = info.context
        if not ctx.authorizer.can("catalogue", "read"):
            return []
        return [
            CatalogueItem.from_view(v)
            for v in await ctx.clients.engagement.service_catalogue(version)
        ]

    @strawberry.field(description="A unit by its global ID; null if missing or not yours.")
    async def unit(self, info: Info[Context, None], id: strawberry.ID) -> Unit | None:
        try:
            uuid = decode_global_id(id, "Unit", field="id")
        except ValidationFailed:
            return None  # a malformed id reads as not found, like a denied one
        return await visible_unit(info.context, uuid)

    @strawberry.field(
        description="Units you may see, oldest first; `search` finds part of the name "
        "(某某化工 finds 江苏某某化工有限公司) or the start of the USCC."
    )
    async def units(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        search: str | None = None,
        industry_code: Annotated[
            str | None,
            strawberry.argument(description="GB/T 4754 code or prefix: C, C26, C2614."),
        ] = None,
        region_code: Annotated[
            str | None,
            strawberry.argument(description="GB/T 2260 region code or prefix: 32, 3205."),
        ] = None,
    ) -> UnitConnection:
        ctx = info.context
        page = page_of(first, after)
        if not ctx.authorizer.can("unit", "read"):
            return UnitConnection(edges=[], page_info=page_info([], False, after), total_count=0)
        req = checked(
            engagement_rpc_directory.ListUnitsRequest,
            scope=scope_of(ctx.authorizer),
            page=page,
            search=search,
            industry_code=industry_code,
            region_code=region_code,
        )
        result = await ctx.clients.engagement.list_units(req)
        return UnitConnection(
            edges=[
                relay.Edge(cursor=encode_cursor(u.id), node=Unit.from_view(u)) for u in result.items
            ],
            page_info=page_info([u.id for u in result.items], result.has_next, after),
            total_count=result.total,
        )

    @strawberry.field(description="An engagement by its global ID; null if missing or not yours.")
    async def engagement(self, info: Info[Context, None], id: strawberry.ID) -> Engagement | None:
        try:
            uuid = decode_global_id(id, "Engagement", field="id")
        except ValidationFailed:
            return None  # a malformed id reads as not found, like a denied one
        return await visible_engagement(info.context, uuid)

    @strawberry.field(description="Engagements you may see, oldest first, narrowed by filters.")
    async def engagements(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        unit_id: strawberry.ID | None = None,
        agency_id: str | None = None,
        stage: Stage | None = None,
        service_mode: ServiceMode | None = None,
        overdue: Annotated[
            bool | None,
            strawberry.argument(description="With (true) or without (false) an overdue item."),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(description="Part of the unit's name, or the start of its USCC."),
        ] = None,
        active_from: Annotated[
            date | None,
            strawberry.argument(description="Whose service period ends on or after this day."),
        ] = None,
        active_to: Annotated[
            date | None,
            strawberry.argument(description="Whose service period starts on or before this day."),
        ] = None,
    ) -> EngagementConnection:
        ctx = info.context
        page = page_of(first, after)
        unit_uuid = optional_id(unit_id, "Unit", "unitId")
        if not ctx.authorizer.can("engagement", "read"):
            return EngagementConnection(
                edges=[], page_info=page_info([], False, after), total_count=0
            )
        try:
            agency_uuid = UUID(agency_id) if agency_id else None
        except ValueError:
            raise ValidationFailed("not an agency id", field="agencyId") from None
        req = checked(
            rpc.ListEngagementsRequest,
            scope=scope_of(ctx.authorizer),
            unit_id=unit_uuid,
            agency_id=agency_uuid,
            stage=stage,
            service_mode=service_mode,
            overdue=overdue,
            search=search,
            active_from=active_from,
            active_to=active_to,
            page=page,
        )
        result = await ctx.clients.engagement.list_engagements(req)
        await prefetch_rows(info, [(e.id, e.unit_id) for e in result.items])
        return EngagementConnection(
            edges=[
                relay.Edge(cursor=encode_cursor(e.id), node=Engagement.from_view(e))
                for e in result.items
            ],
            page_info=page_info([e.id for e in result.items], result.has_next, after),
            total_count=result.total,
        )
