"""All SQL of calendar feeds."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.compliance.models import CalendarFeed


async def live_by_hash(session: AsyncSession, token_hash: str) -> CalendarFeed | None:
    query = select(CalendarFeed).where(
        CalendarFeed.token_hash == token_hash, CalendarFeed.revoked_at.is_(None)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def live_of_person(
    session: AsyncSession, person: str, tenant: str, feed_id: UUID | None
) -> list[CalendarFeed]:
    query = select(CalendarFeed).where(
        CalendarFeed.person == person,
        CalendarFeed.tenant == tenant,
        CalendarFeed.revoked_at.is_(None),
    )
    if feed_id is not None:
        query = query.where(CalendarFeed.id == feed_id)
    return list((await session.execute(query)).scalars())
