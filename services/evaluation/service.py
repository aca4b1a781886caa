"""Evaluation use cases about registrations (the engagements it knows of)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation import rpc as evaluation_rpc
from services.evaluation.models import EngagementRegistration


async def registrations(
    session: AsyncSession, req: evaluation_rpc.RegistrationsRequest
) -> evaluation_rpc.RegistrationsReply:
    rows = await session.execute(
        select(EngagementRegistration).where(
            EngagementRegistration.engagement_id.in_(req.engagement_ids)
        )
    )
    found = {r.engagement_id: r for r in rows.scalars()}
    return evaluation_rpc.RegistrationsReply(
        items=[
            evaluation_rpc.EvaluationRegistrationView(
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
