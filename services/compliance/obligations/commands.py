"""Use cases that change what units owe: permits and their execution-report schedules,
monitoring plans, stoppages and agency rules. Each regenerates the affected units'
occurrences in the same transaction, so the calendar never lags behind them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import OccurrenceKind
from contracts.compliance.errors import (
    ComplianceUnitNotFound,
    DuplicatePermit,
    InvalidRule,
    PermitNotFound,
)
from contracts.compliance.events import PermitRegisteredData, PermitRegisteredV1
from contracts.core import Conflict, ValidationFailed
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.compliance import clock
from services.compliance.calendar.commands import refresh_unit
from services.compliance.models import AgencyRule, MonitoringPlan, Permit, Stoppage, messaging
from services.compliance.obligations import repository
from services.compliance.obligations.views import (
    agency_rule_view,
    permit_view,
    plan_view,
    stoppage_view,
)
from services.compliance.rules import ruleset

ENGAGEMENT_KINDS = (OccurrenceKind.LIST_ITEM, OccurrenceKind.RECTIFICATION)


async def register_permit(
    session: AsyncSession, req: compliance_rpc.RegisterPermitRequest, ctx: CallContext
) -> compliance_rpc.PermitView:
    unit = await repository.visible_unit(session, req.unit_id, req.scope)
    if unit is None or not await repository.serves(session, req.agency_id, req.unit_id):
        raise ComplianceUnitNotFound("no such unit", field="unitId")
    if req.valid_to <= req.valid_from:
        raise ValidationFailed("a permit is valid until after it starts", field="validTo")
    if await repository.permit_by_number(session, req.number) is not None:
        raise DuplicatePermit(
            "permit {number} is already registered", field="number", params={"number": req.number}
        )
    rules = ruleset()
    schedule = req.report_schedule
    if schedule is None:
        schedule = rules.default_schedule(req.category)
    permit = Permit(
        id=new_id(),
        unit_id=unit.unit_id,
        agency_id=req.agency_id,
        region_code=unit.region_code,
        number=req.number,
        authority=req.authority,
        category=req.category.value,
        valid_from=req.valid_from,
        valid_to=req.valid_to,
        outlets=list(req.outlets),
        report_schedule=[e.model_dump(mode="json") for e in schedule],
        ruleset_version=rules.version,
        created_at=datetime.now(UTC),
        created_by=ctx.actor,
    )
    session.add(permit)
    await session.flush()
    data = PermitRegisteredData(
        permit_id=permit.id,
        unit_id=permit.unit_id,
        agency_id=permit.agency_id,
        number=permit.number,
        category=req.category,
        valid_from=permit.valid_from,
        valid_to=permit.valid_to,
    )
    await record_event(session, messaging, make_event(PermitRegisteredV1, ctx, data))
    await refresh_unit(session, permit.unit_id, clock.today())
    return permit_view(permit)


async def update_report_schedule(
    session: AsyncSession, req: compliance_rpc.UpdateReportScheduleRequest, ctx: CallContext
) -> compliance_rpc.PermitView:
    permit = await repository.permit(session, req.permit_id, req.scope)
    if permit is None:
        raise PermitNotFound("no such permit", field="permitId")
    frequencies = [e.frequency for e in req.report_schedule]
    if len(set(frequencies)) != len(frequencies):
        raise ValidationFailed(
            "each report frequency appears once in a schedule", field="reportSchedule"
        )
    permit.report_schedule = [e.model_dump(mode="json") for e in req.report_schedule]
    await session.flush()
    await refresh_unit(session, permit.unit_id, clock.today())
    return permit_view(permit)


async def add_monitoring_plan(
    session: AsyncSession, req: compliance_rpc.AddMonitoringPlanRequest, ctx: CallContext
) -> compliance_rpc.MonitoringPlanView:
    permit = await repository.permit(session, req.permit_id, req.scope)
    if permit is None:
        raise PermitNotFound("no such permit", field="permitId")
    if req.outlet not in permit.outlets:
        raise ValidationFailed(
            "outlet {outlet} is not one of the permit's outlets",
            field="outlet",
            params={"outlet": req.outlet},
        )
    plans = await repository.plans_of_unit(session, permit.unit_id)
    if any(
        p.permit_id == permit.id and p.outlet == req.outlet and p.pollutant == req.pollutant
        for p in plans
    ):
        raise Conflict(
            "the permit already has a plan for {outlet} {pollutant}",
            field="pollutant",
            params={"outlet": req.outlet, "pollutant": req.pollutant},
        )
    plan = MonitoringPlan(
        id=new_id(),
        permit_id=permit.id,
        unit_id=permit.unit_id,
        outlet=req.outlet,
        pollutant=req.pollutant,
        frequency=req.frequency.value,
        method=req.method,
        sampler=req.sampler,
        limit_value=req.limit_value,
        limit_unit=req.limit_unit,
        created_at=datetime.now(UTC),
    )
    session.add(plan)
    await session.flush()
    await refresh_unit(session, permit.unit_id, clock.today())
    return plan_view(plan)


async def record_stoppage(
    session: AsyncSession, req: compliance_rpc.RecordStoppageRequest, ctx: CallContext
) -> compliance_rpc.StoppageView:
    unit = await repository.visible_unit(session, req.unit_id, req.scope)
    if unit is None:
        raise ComplianceUnitNotFound("no such unit", field="unitId")
    if req.ends_on is not None and req.ends_on < req.starts_on:
        raise ValidationFailed("a stoppage ends on or after its first day", field="endsOn")
    stoppage = Stoppage(
        id=new_id(),
        unit_id=unit.unit_id,
        starts_on=req.starts_on,
        ends_on=req.ends_on,
        reason=req.reason,
        recorded_by=ctx.actor,
        recorded_at=datetime.now(UTC),
    )
    session.add(stoppage)
    await session.flush()
    await refresh_unit(session, unit.unit_id, clock.today())
    return stoppage_view(stoppage)


async def define_agency_rule(
    session: AsyncSession, req: compliance_rpc.DefineAgencyRuleRequest, ctx: CallContext
) -> compliance_rpc.AgencyRuleView:
    rule = req.rule
    if rule.kind in ENGAGEMENT_KINDS:
        raise InvalidRule("an agency rule cannot be of an engagement's kind", field="rule.kind")
    if rule.frequency.value in ("automatic", "once"):
        raise InvalidRule(
            "an agency rule recurs: monthly, quarterly, semiannual, annual or triennial",
            field="rule.frequency",
        )
    version = await repository.agency_rule_version(session, req.agency_id, rule.code) + 1
    row = AgencyRule(
        id=new_id(),
        agency_id=req.agency_id,
        code=rule.code,
        version=version,
        definition=rule.model_dump(mode="json"),
        created_at=datetime.now(UTC),
        created_by=ctx.actor,
    )
    session.add(row)
    await session.flush()
    today = clock.today()
    for unit_id in await repository.units_with_permits_of_agency(session, req.agency_id):
        await refresh_unit(session, unit_id, today)
    return agency_rule_view(row)
