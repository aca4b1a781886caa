"""Who a feed's token speaks for."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc as compliance_rpc
from services.compliance.feeds import domain, repository


async def owner(
    session: AsyncSession, req: compliance_rpc.FeedOwnerRequest
) -> compliance_rpc.FeedOwner:
    feed = await repository.live_by_hash(session, domain.token_hash(req.token))
    if feed is None:
        return compliance_rpc.FeedOwner(found=False)
    return compliance_rpc.FeedOwner(
        found=True,
        person=feed.person,
        tenant=feed.tenant,
        roles=list(feed.roles),
        clearance=feed.clearance,
    )
