"""Use cases of calendar feeds: issue a person's secret URL, revoke it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc as compliance_rpc
from kit.ids import new_id
from kit.rpc import CallContext
from services.compliance.feeds import domain, repository
from services.compliance.models import CalendarFeed


async def issue(
    session: AsyncSession, req: compliance_rpc.IssueFeedRequest, ctx: CallContext
) -> compliance_rpc.FeedIssued:
    token = domain.new_token()
    feed = CalendarFeed(
        id=new_id(),
        token_hash=domain.token_hash(token),
        person=req.person,
        tenant=req.tenant,
        roles=list(req.roles),
        clearance=req.clearance,
        issued_at=datetime.now(UTC),
        revoked_at=None,
    )
    session.add(feed)
    await session.flush()
    return compliance_rpc.FeedIssued(id=feed.id, token=token, issued_at=feed.issued_at)


async def revoke(
    session: AsyncSession, req: compliance_rpc.RevokeFeedRequest, ctx: CallContext
) -> compliance_rpc.FeedsRevoked:
    feeds = await repository.live_of_person(session, req.person, req.tenant, req.feed_id)
    now = datetime.now(UTC)
    for feed in feeds:
        feed.revoked_at = now
    await session.flush()
    return compliance_rpc.FeedsRevoked(revoked=len(feeds))
