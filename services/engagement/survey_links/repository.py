"""All SQL of survey links."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from services.engagement.models import (
    Agency,
    Engagement,
    SurveyLink,
    SurveyResponse,
    Unit,
    UnitFile,
)
from services.engagement.repository import engagement_scope


async def link_in_scope(session: AsyncSession, link_id: UUID, scope: Scope) -> SurveyLink | None:
    return await session.scalar(
        select(SurveyLink)
        .join(Engagement, Engagement.id == SurveyLink.engagement_id)
        .join(Unit, Unit.id == Engagement.unit_id)
        .where(SurveyLink.id == link_id, engagement_scope(scope))
    )


async def links_of(session: AsyncSession, engagement_id: UUID) -> list[SurveyLink]:
    rows = await session.scalars(
        select(SurveyLink)
        .where(SurveyLink.engagement_id == engagement_id)
        .order_by(SurveyLink.issued_at, SurveyLink.id)
    )
    return list(rows)


async def by_token_hash(
    session: AsyncSession, digest: str
) -> tuple[SurveyLink, Engagement, str, str | None] | None:
    """The link with its engagement, the unit's name and the agency's (if registered). The
    unit's name as the agency has it: its own file's while it works on a provisional link
    (issue 14; the agency may open its own link and must not read the registry's name)."""
    own = and_(
        UnitFile.unit_id == Engagement.unit_id,
        UnitFile.agency_id == Engagement.agency_id,
        UnitFile.shared_at.is_(None),
    )
    row = (
        await session.execute(
            select(SurveyLink, Engagement, func.coalesce(UnitFile.name, Unit.name), Agency.name)
            .join(Engagement, Engagement.id == SurveyLink.engagement_id)
            .join(Unit, Unit.id == Engagement.unit_id)
            .outerjoin(UnitFile, own)
            .outerjoin(Agency, Agency.id == Engagement.agency_id)
            .where(SurveyLink.token_hash == digest)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2], row[3])


async def claim_answer(session: AsyncSession, link_id: UUID, now: datetime) -> bool:
    """Count one more answer if the link still takes one, in one statement: the check
    and the increment cannot be split by a concurrent answer (PostgreSQL locks the row
    until commit; SQLite has one writer)."""
    result = await session.execute(
        update(SurveyLink)
        .where(
            SurveyLink.id == link_id,
            SurveyLink.answer_count < SurveyLink.max_answers,
            SurveyLink.revoked_at.is_(None),
            SurveyLink.expires_at > now,
        )
        .values(answer_count=SurveyLink.answer_count + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def answered(session: AsyncSession, link_id: UUID, respondent_hash: str) -> bool:
    found = await session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.link_id == link_id, SurveyResponse.respondent_hash == respondent_hash
        )
    )
    return found is not None
