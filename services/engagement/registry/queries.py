"""Registry reads: a caller's proposals and invitations, its links, clients, the units
a client's engagement covers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import rpc, rpc_registry
from services.engagement.registry import repository
from services.engagement.registry.views import client_view, link_view, request_view


async def link_requests(
    session: AsyncSession, req: rpc_registry.LinkRequestsRequest
) -> rpc_registry.LinkRequestsReply:
    found = await repository.requests_of(session, req.scope, req.status, req.limit)
    return rpc_registry.LinkRequestsReply(items=[request_view(r, req.scope) for r in found])


async def unit_links(
    session: AsyncSession, req: rpc_registry.UnitLinksRequest
) -> rpc_registry.UnitLinksReply:
    return rpc_registry.UnitLinksReply(
        items=[link_view(link, req.scope) for link in await repository.links_of(session, req.scope)]
    )


async def clients(
    session: AsyncSession, req: rpc_registry.ClientsRequest
) -> rpc_registry.ClientsReply:
    found = await repository.clients_by_ids(session, req.ids, req.scope)
    return rpc_registry.ClientsReply(
        items=[client_view(found[i]) if i in found else None for i in req.ids]
    )


async def covered_units(
    session: AsyncSession, req: rpc.GetManyRequest
) -> rpc_registry.CoveredUnitsReply:
    found = await repository.covered_units(session, req.ids, req.scope)
    return rpc_registry.CoveredUnitsReply(items=[found.get(i, []) for i in req.ids])
