"""Evaluation use cases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import rpc
from contracts.events import EngagementCreatedV1, EventEnvelope
from services.evaluation.models import EngagementRegistration


async def register_engagement(session: AsyncSession, event: EventEnvelope) -> None:
    """Remember an engagement so it can be evaluated later (R4.2.5)."""
    if not isinstance(event, EngagementCreatedV1):
        return
    session.add(
        EngagementRegistration(
            engagement_id=event.data.engagement_id,
            unit_id=event.data.unit_id,
            agency_id=event.data.agency_id,
            source_event_id=event.event_id,
            registered_at=datetime.now(UTC),
        )
    )
    await session.flush()


async def registrations(
    session: AsyncSession, req: rpc.RegistrationsRequest
) -> rpc.RegistrationsReply:
    rows = await session.execute(
        select(EngagementRegistration).where(
            EngagementRegistration.engagement_id.in_(req.engagement_ids)
        )
    )
    found = {r.engagement_id: r for r in rows.scalars()}
    return rpc.RegistrationsReply(
        items=[
            rpc.EvaluationRegistrationView(
                engagement_id=r.engagement_id,
                unit_id=r.unit_id,
                agency_id=r.agency_id,
                registered_at=r.registered_at,
            )
            if (r := found.get(i))
            else None
            for i in req.engagement_ids
        ]
    )
