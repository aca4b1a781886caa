"""Opening an engagement (托管服务合同 agreed): at preparation, with 表 A.1 pending."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import rpc
from contracts.engagement.enums import ChecklistStatus, Stage
from contracts.engagement.errors import UnitNotFound
from contracts.engagement.event_data import EngagementCreatedData
from contracts.engagement.events import EngagementCreatedV1
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.engagement.directory import repository as directory_repository
from services.engagement.models import ChecklistEntry, Engagement, messaging
from services.engagement.seed import checklist_a1_v1
from services.engagement.workflow import domain
from services.engagement.workflow.views import engagement_view


async def create_engagement(
    session: AsyncSession, req: rpc.CreateEngagementRequest, ctx: CallContext
) -> rpc.EngagementView:
    modes = domain.valid_service_modes(req.service_modes)
    domain.valid_period(req.period_start, req.period_end)
    assessment = domain.valid_assessment(req.assessment) if req.assessment else None
    fee_terms = domain.valid_fee_terms(req.fee_terms) if req.fee_terms else None
    units = await directory_repository.units_by_ids(session, [req.unit_id], req.scope)
    unit = units.get(req.unit_id)
    if unit is None:
        raise UnitNotFound("no such unit", field="unitId")
    engagement = Engagement(
        id=new_id(),
        unit_id=unit.id,
        agency_id=req.agency_id,
        service_modes=[m.value for m in modes],
        period_start=req.period_start,
        period_end=req.period_end,
        stage=Stage.PREPARATION,
        created_at=datetime.now(UTC),
        created_by=ctx.actor,
        fee_terms=fee_terms.model_dump(mode="json") if fee_terms else None,
        assessment=assessment.model_dump(mode="json") if assessment else None,
    )
    session.add(engagement)
    await session.flush()
    session.add_all(checklist_for(engagement.id))
    data = EngagementCreatedData.from_row(
        engagement, engagement_id=engagement.id, status=engagement.stage
    )
    event = make_event(EngagementCreatedV1, ctx, data, engagement_id=engagement.id)
    await record_event(session, messaging, event)
    return engagement_view(engagement, unit.region_code)


def checklist_for(engagement_id: UUID) -> list[ChecklistEntry]:
    """表 A.1 instantiated for a new engagement: every document pending."""
    return [
        ChecklistEntry(
            engagement_id=engagement_id,
            code=code,
            section=section,
            title_zh=zh,
            title_en=en,
            status=ChecklistStatus.PENDING,
            document_ref=None,
        )
        for code, section, zh, en in checklist_a1_v1.ITEMS
    ]
