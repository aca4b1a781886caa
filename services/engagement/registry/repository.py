"""All SQL of the registry: links, proposals and invitations, clients, covered units."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from contracts.engagement.enums import LinkDirection, LinkRequestStatus, LinkStatus
from services.engagement.models import (
    Client,
    Engagement,
    EngagementUnit,
    UnitFile,
    UnitLink,
    UnitLinkRequest,
)
from services.engagement.repository import engagement_scope


async def link(session: AsyncSession, unit_id: UUID, agency_id: UUID) -> UnitLink | None:
    return await session.get(UnitLink, (unit_id, agency_id))


async def share_file(session: AsyncSession, unit_id: UUID, agency_id: UUID, now: datetime) -> None:
    """The unit consented: the agency's own file of it is kept, no longer read."""
    await session.execute(
        update(UnitFile)
        .where(
            UnitFile.unit_id == unit_id,
            UnitFile.agency_id == agency_id,
            UnitFile.shared_at.is_(None),
        )
        .values(shared_at=now)
    )


async def links_of(session: AsyncSession, scope: Scope) -> list[UnitLink]:
    """A unit's agencies or an agency's units, active first, then newest."""
    query = select(UnitLink)
    if scope.unit_id is not None:
        query = query.where(UnitLink.unit_id == scope.unit_id)
    elif scope.agency_id is not None:
        query = query.where(UnitLink.agency_id == scope.agency_id)
    else:
        return []
    # Working links (active, provisional) first: an agency is shown a provisional link
    # as active, and its place in the list must not tell otherwise.
    ended = case((UnitLink.status == LinkStatus.ENDED, 1), else_=0)
    order = (ended, UnitLink.since.desc(), UnitLink.unit_id, UnitLink.agency_id)
    return list(await session.scalars(query.order_by(*order)))


async def request_for_update(session: AsyncSession, request_id: UUID) -> UnitLinkRequest | None:
    query = select(UnitLinkRequest).where(UnitLinkRequest.id == request_id).with_for_update()
    return await session.scalar(query)


def _mine(scope: Scope) -> ColumnElement[bool] | None:
    """Requests the caller sent or received."""
    if scope.unit_id is not None:
        return UnitLinkRequest.unit_id == scope.unit_id
    if scope.agency_id is not None:
        # Not the silent proposals createUnit filed beside a provisional link (issue 14).
        return and_(UnitLinkRequest.agency_id == scope.agency_id, UnitLinkRequest.silent.is_(False))
    return None


async def requests_of(
    session: AsyncSession, scope: Scope, status: LinkRequestStatus | None, limit: int
) -> list[UnitLinkRequest]:
    mine = _mine(scope)
    if mine is None:
        return []
    query = select(UnitLinkRequest).where(mine)
    if status is not None:
        query = query.where(UnitLinkRequest.status == status)
    query = query.order_by(UnitLinkRequest.created_at.desc(), UnitLinkRequest.id).limit(limit)
    return list(await session.scalars(query))


async def pending_proposal(
    session: AsyncSession, agency_id: UUID, uscc: str, *, shown_only: bool = False
) -> UnitLinkRequest | None:
    """The agency's proposal for this USCC still waiting, if any: proposing twice
    answers with the same request. `shown_only`: not a silent one createUnit filed (the
    agency was never shown it; answering with it would tell)."""
    query = select(UnitLinkRequest).where(
        UnitLinkRequest.agency_id == agency_id,
        UnitLinkRequest.uscc == uscc,
        UnitLinkRequest.direction == LinkDirection.PROPOSAL,
        UnitLinkRequest.status == LinkRequestStatus.PENDING,
    )
    if shown_only:
        query = query.where(UnitLinkRequest.silent.is_(False))
    return await session.scalar(query.order_by(UnitLinkRequest.created_at).limit(1))


async def attach_proposals(session: AsyncSession, uscc: str, unit_id: UUID) -> None:
    """Proposals that waited for a unit with this USCC now reach the unit that has it."""
    await session.execute(
        update(UnitLinkRequest)
        .where(UnitLinkRequest.uscc == uscc, UnitLinkRequest.unit_id.is_(None))
        .values(unit_id=unit_id)
    )


async def overdue_requests(session: AsyncSession, now: datetime) -> list[UnitLinkRequest]:
    query = select(UnitLinkRequest).where(
        UnitLinkRequest.status == LinkRequestStatus.PENDING, UnitLinkRequest.expires_at <= now
    )
    return list(await session.scalars(query.order_by(UnitLinkRequest.id).with_for_update()))


async def link_ended(session: AsyncSession, unit_id: UUID, agency_id: UUID) -> bool:
    """Whether the agency's link to the unit was ended (a past link: read-only)."""
    found = await link(session, unit_id, agency_id)
    return found is not None and found.status == LinkStatus.ENDED


async def client(session: AsyncSession, client_id: UUID, agency_id: UUID) -> Client | None:
    """The agency's own client."""
    query = select(Client).where(Client.id == client_id, Client.agency_id == agency_id)
    return await session.scalar(query)


async def clients_by_ids(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Client]:
    """Clients the caller may see: an agency its own, a client itself, a unit the clients
    of engagements covering it, a regulator those of its region."""
    if not ids:
        return {}
    query = select(Client).where(Client.id.in_(ids))
    if scope.agency_id is not None:
        query = query.where(Client.agency_id == scope.agency_id)
    elif scope.client_id is not None:
        query = query.where(Client.id == scope.client_id)
    elif scope.unit_id is not None:
        clients = select(Engagement.client_id).where(engagement_scope(scope))
        query = query.where(Client.id.in_(clients))
    elif scope.region_prefix:
        query = query.where(Client.region_code.startswith(scope.region_prefix, autoescape=True))
    else:
        return {}
    return {c.id: c for c in await session.scalars(query)}


async def covered_units(
    session: AsyncSession, engagement_ids: Sequence[UUID], scope: Scope
) -> dict[UUID, list[UUID]]:
    """Each visible engagement's covered units, in a stable order."""
    found: dict[UUID, list[UUID]] = {}
    if not engagement_ids:
        return found
    rows = await session.execute(
        select(EngagementUnit.engagement_id, EngagementUnit.unit_id)
        .join(Engagement, Engagement.id == EngagementUnit.engagement_id)
        .where(EngagementUnit.engagement_id.in_(engagement_ids), engagement_scope(scope))
        .order_by(EngagementUnit.engagement_id, EngagementUnit.unit_id)
    )
    for engagement_id, unit_id in rows:
        found.setdefault(engagement_id, []).append(unit_id)
    return found
