"""Queries of the unit registry: the proposals and invitations you sent or received, your
links (a unit's agencies, an agency's units), and a client's engagements' fields."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.engagement import rpc_registry
from contracts.engagement.enums import LinkRequestStatus
from gateway.context import Context, scope_of
from gateway.engagement.registry_types import Client, UnitLink, UnitLinkRequest


async def visible_client(ctx: Context, client_id: UUID) -> Client | None:
    """The client (park, group, region) if the caller may read clients and this one."""
    if not ctx.authorizer.can("client", "read"):
        return None
    [view] = await ctx.clients.engagement.clients([client_id], scope_of(ctx.authorizer))
    return Client.from_view(view) if view else None


@strawberry.type
class RegistryQueries:
    @strawberry.field(
        description="Proposals and invitations you sent or received, newest first (at most "
        "`first`, up to 200). Empty if you may not read links."
    )
    async def unit_link_requests(
        self,
        info: Info[Context, None],
        status: LinkRequestStatus | None = None,
        first: int = 50,
    ) -> list[UnitLinkRequest]:
        ctx = info.context
        if not ctx.authorizer.can("unit_link", "read"):
            return []
        req = rpc_registry.LinkRequestsRequest(
            scope=scope_of(ctx.authorizer), status=status, limit=max(1, min(first, 200))
        )
        return [
            UnitLinkRequest.from_view(v) for v in await ctx.clients.engagement.link_requests(req)
        ]

    @strawberry.field(
        description="Your links: a unit's agencies, or an agency's units; active first."
    )
    async def unit_links(self, info: Info[Context, None]) -> list[UnitLink]:
        ctx = info.context
        if not ctx.authorizer.can("unit_link", "read"):
            return []
        found = await ctx.clients.engagement.unit_links(scope_of(ctx.authorizer))
        return [UnitLink.from_view(v) for v in found]

    @strawberry.field(description="A client (park, group, region); null if not visible.")
    async def client(self, info: Info[Context, None], id: strawberry.ID) -> Client | None:
        try:
            client_id = UUID(str(id))
        except ValueError:
            return None
        return await visible_client(info.context, client_id)
