"""Engagement use cases. Each runs inside the caller's transaction: flush, never commit;
events go to the outbox in that same transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import enums as engagement_enums
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement.errors import DuplicateUnit, UnitNotFound
from contracts.engagement.event_data import EngagementCreatedData, UnitRegisteredData
from contracts.engagement.events import EngagementCreatedV1, UnitRegisteredV1
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.engagement import clock, domain, repository, uscc, workflow_queries
from services.engagement.models import Engagement, Unit, messaging


async def register_unit(
    session: AsyncSession, req: engagement_rpc_directory.CreateUnitRequest, ctx: CallContext
) -> engagement_rpc_directory.UnitView:
    code = domain.valid_uscc(req.uscc)
    industry = domain.valid_industry_code(req.industry_code)
    if await repository.unit_by_uscc(session, code) is not None:
        raise DuplicateUnit(f"a unit with 统一社会信用代码 {code} already exists", field="uscc")
    unit = Unit(
        id=new_id(),
        name=req.name,
        uscc=code,
        industry_code=industry,
        address=req.address,
        region_code=code[2:8],
        agency_id=req.agency_id,
        created_at=datetime.now(UTC),
        created_by=ctx.actor,
    )
    session.add(unit)
    await session.flush()
    data = UnitRegisteredData(
        unit_id=unit.id,
        name=unit.name,
        uscc=unit.uscc,
        industry_code=unit.industry_code,
        region_code=unit.region_code,
        registered_by_agency_id=unit.agency_id,
    )
    await record_event(session, messaging, make_event(UnitRegisteredV1, ctx, data))
    return unit_view(unit)


async def create_engagement(
    session: AsyncSession, req: rpc.CreateEngagementRequest, ctx: CallContext
) -> rpc.EngagementView:
    modes = domain.valid_service_modes(req.service_modes)
    domain.valid_period(req.period_start, req.period_end)
    units = await repository.units_by_ids(session, [req.unit_id], req.scope)
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
        status=engagement_enums.Stage.PREPARATION.value,
        created_at=datetime.now(UTC),
        created_by=ctx.actor,
        fee_terms=req.fee_terms.model_dump(mode="json") if req.fee_terms else None,
    )
    session.add(engagement)
    await session.flush()
    session.add_all(workflow_queries.checklist_for(engagement.id))
    data = EngagementCreatedData(
        engagement_id=engagement.id,
        unit_id=engagement.unit_id,
        agency_id=engagement.agency_id,
        service_modes=engagement.service_modes,
        period_start=engagement.period_start,
        period_end=engagement.period_end,
        status=engagement.status,
    )
    event = make_event(EngagementCreatedV1, ctx, data, engagement_id=engagement.id)
    await record_event(session, messaging, event)
    return engagement_view(engagement, unit.region_code)


async def get_units(
    session: AsyncSession, req: rpc.GetManyRequest
) -> engagement_rpc_directory.UnitsReply:
    found = await repository.units_by_ids(session, req.ids, req.scope)
    return engagement_rpc_directory.UnitsReply(
        items=[unit_view(found[i]) if i in found else None for i in req.ids]
    )


async def get_units_by_uscc(
    session: AsyncSession, req: engagement_rpc_directory.UnitsByUsccRequest
) -> engagement_rpc_directory.UnitsReply:
    codes = [uscc.normalize(code) for code in req.usccs]
    found = await repository.units_by_usccs(session, codes, req.scope)
    return engagement_rpc_directory.UnitsReply(
        items=[unit_view(found[c]) if c in found else None for c in codes]
    )


async def list_units(
    session: AsyncSession, req: engagement_rpc_directory.ListUnitsRequest
) -> engagement_rpc_directory.UnitPage:
    rows, has_next, total = await repository.page_of(
        session, repository.units_query(req.scope), Unit.id, req.page
    )
    return engagement_rpc_directory.UnitPage(
        items=[unit_view(r[0]) for r in rows], has_next=has_next, total=total
    )


async def get_engagements(session: AsyncSession, req: rpc.GetManyRequest) -> rpc.EngagementsReply:
    found = await repository.engagements_by_ids(session, req.ids, req.scope)
    return rpc.EngagementsReply(
        items=[engagement_view(*found[i]) if i in found else None for i in req.ids]
    )


async def list_engagements(
    session: AsyncSession, req: rpc.ListEngagementsRequest
) -> rpc.EngagementPage:
    rows, has_next, total = await repository.page_of(
        session, repository.engagements_query(req, clock.today()), Engagement.id, req.page
    )
    return rpc.EngagementPage(
        items=[engagement_view(e, region) for e, region in rows], has_next=has_next, total=total
    )


def unit_view(unit: Unit) -> engagement_rpc_directory.UnitView:
    return engagement_rpc_directory.UnitView(
        id=unit.id,
        name=unit.name,
        uscc=unit.uscc,
        industry_code=unit.industry_code,
        address=unit.address,
        region_code=unit.region_code,
        agency_id=unit.agency_id,
        created_at=unit.created_at,
    )


def engagement_view(engagement: Engagement, region_code: str) -> rpc.EngagementView:
    return rpc.EngagementView(
        id=engagement.id,
        unit_id=engagement.unit_id,
        agency_id=engagement.agency_id,
        service_modes=list(engagement.service_modes),
        period_start=engagement.period_start,
        period_end=engagement.period_end,
        stage=engagement.status,
        region_code=region_code,
        created_at=engagement.created_at,
        fee_terms=rpc.FeeTerms(**engagement.fee_terms) if engagement.fee_terms else None,
    )
