"""Use cases that change what units owe: permits and their execution-report schedules,
monitoring plans, stoppages and agency rules. Each regenerates the affected units'
occurrences in the same transaction, so the calendar never lags behind them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import permits
from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import ManagementCategory, OccurrenceKind, WorkKind
from contracts.compliance.errors import (
    ComplianceUnitNotFound,
    DuplicatePermit,
    InvalidRule,
    PermitNotFound,
)
from contracts.compliance.events import PermitRegisteredData, PermitRegisteredV1
from contracts.core import Conflict, ValidationFailed
from contracts.engagement.event_data import UnitPermitsImportedData
from contracts.engagement.events import UnitPermitsImportedV1
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.compliance import clock
from services.compliance.calendar import repository as calendar_repository
from services.compliance.calendar.commands import refresh_unit
from services.compliance.models import (
    AgencyRule,
    MonitoringPlan,
    Permit,
    Stoppage,
    UnitEntry,
    WorkItem,
    messaging,
)
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
    if refused := permits.validity_problem(req.valid_from, req.valid_to):
        raise ValidationFailed(refused.template, field="validTo", params=refused.params)
    if req.report_schedule and (
        refused := permits.schedule_problem([e.frequency for e in req.report_schedule])
    ):
        raise ValidationFailed(refused.template, field="reportSchedule", params=refused.params)
    if await repository.permit_by_number(session, req.number) is not None:
        raise DuplicatePermit(
            "permit {number} is already registered", field="number", params={"number": req.number}
        )
    permit = await add_permit(
        session,
        unit,
        req.agency_id,
        NewPermit(
            number=req.number,
            authority=req.authority,
            category=req.category,
            valid_from=req.valid_from,
            valid_to=req.valid_to,
            outlets=list(req.outlets),
            report_schedule=req.report_schedule,
        ),
        ctx,
    )
    await refresh_unit(session, permit.unit_id, clock.today())
    return permit_view(permit)


@dataclass(frozen=True)
class NewPermit:
    """A permit's fields, checked (contracts.compliance.permits) by whoever brings it."""

    number: str
    authority: str
    category: ManagementCategory
    valid_from: date
    valid_to: date
    outlets: list[str]
    report_schedule: list[compliance_rpc.ReportScheduleEntry] | None
    """None: the rule set's schedule for the category."""


async def add_permit(
    session: AsyncSession, unit: UnitEntry, agency_id: UUID, new: NewPermit, ctx: CallContext
) -> Permit:
    """The permit row and its PermitRegisteredV1; the caller refreshes the unit's
    occurrences (once, after all of a unit's permits)."""
    rules = ruleset()
    schedule = new.report_schedule
    if schedule is None:
        schedule = rules.default_schedule(new.category)
    permit = Permit(
        id=new_id(),
        unit_id=unit.unit_id,
        agency_id=agency_id,
        region_code=unit.region_code,
        number=new.number,
        authority=new.authority,
        category=new.category.value,
        valid_from=new.valid_from,
        valid_to=new.valid_to,
        outlets=new.outlets,
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
        category=new.category,
        valid_from=permit.valid_from,
        valid_to=permit.valid_to,
    )
    await record_event(session, messaging, make_event(PermitRegisteredV1, ctx, data))
    return permit


async def update_report_schedule(
    session: AsyncSession, req: compliance_rpc.UpdateReportScheduleRequest, ctx: CallContext
) -> compliance_rpc.PermitView:
    permit = await repository.permit(session, req.permit_id, req.scope)
    if permit is None:
        raise PermitNotFound("no such permit", field="permitId")
    if refused := permits.schedule_problem([e.frequency for e in req.report_schedule]):
        raise ValidationFailed(refused.template, field="reportSchedule", params=refused.params)
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


# --- permits imported with their units (importUnits) ---------------------------------------


async def register_imported(session: AsyncSession, event: UnitPermitsImportedV1) -> None:
    """Register the permits an agency imported with a unit, as registerPermit would for
    that agency. Applied once per event by the inbox, and idempotent by itself too: a
    number this unit holds already is skipped, so a re-run of the file or a redelivery
    registers nothing twice. What cannot be registered (the number is another unit's,
    the unit is not the agency's) opens a PERMIT_IMPORT_REFUSED item in the agency's
    myWork, naming the permit and its row, instead of vanishing."""
    data = event.data
    ctx = CallContext(actor=event.actor, tenant=event.tenant, correlation_id=event.correlation_id)
    unit = await repository.unit(session, data.unit_id)
    served = unit is not None and await repository.serves(session, data.agency_id, data.unit_id)
    added = False
    for p in data.permits:
        held = await repository.permit_by_number(session, p.number)
        if held is not None and held.unit_id == data.unit_id:
            await _resolve_refusal(session, data.unit_id, p.number, event)
            continue
        if unit is None or not served:
            title = (
                f"排污许可证 {p.number} 未导入：{data.uscc} 不在本机构的单位名录中"
                f"（许可证表第{p.row}行）"
            )
        elif held is not None:
            title = f"排污许可证 {p.number} 未导入：已登记于另一单位（许可证表第{p.row}行）"
        else:
            schedule = None
            if p.report_frequencies is not None:
                schedule = [
                    compliance_rpc.ReportScheduleEntry(frequency=f) for f in p.report_frequencies
                ]
            new = NewPermit(
                number=p.number,
                authority=p.authority,
                category=p.category,
                valid_from=p.valid_from,
                valid_to=p.valid_to,
                outlets=[],
                report_schedule=schedule,
            )
            await add_permit(session, unit, data.agency_id, new, ctx)
            await _resolve_refusal(session, data.unit_id, p.number, event)
            added = True
            continue
        await _refuse(session, data, unit, p.number, title, event)
    if added:
        await refresh_unit(session, data.unit_id, clock.today())


def _refusal_id(unit_id: UUID, number: str) -> UUID:
    """One refusal per unit and permit number, however often the file is imported."""
    return uuid.uuid5(unit_id, f"permit-import:{number}")


async def _refuse(
    session: AsyncSession,
    data: UnitPermitsImportedData,
    unit: UnitEntry | None,
    number: str,
    title: str,
    event: UnitPermitsImportedV1,
) -> None:
    source = _refusal_id(data.unit_id, number)
    kind = WorkKind.PERMIT_IMPORT_REFUSED.value
    row = await calendar_repository.work_item(session, kind, source)
    text = title[:300]
    if row is None:
        session.add(
            WorkItem(
                id=new_id(),
                kind=kind,
                source_id=source,
                engagement_id=None,
                unit_id=data.unit_id,
                agency_id=data.agency_id,
                region_code=unit.region_code if unit else "",
                title=text,
                due_date=None,
                is_open=True,
                opened_at=event.occurred_at,
                closed_at=None,
            )
        )
    elif not row.is_open or row.title != text:
        row.is_open, row.closed_at, row.title = True, None, text
    await session.flush()


async def _resolve_refusal(
    session: AsyncSession, unit_id: UUID, number: str, event: UnitPermitsImportedV1
) -> None:
    """The permit is the unit's now: a refusal of it from an earlier import is closed."""
    kind = WorkKind.PERMIT_IMPORT_REFUSED.value
    row = await calendar_repository.work_item(session, kind, _refusal_id(unit_id, number))
    if row is not None and row.is_open:
        row.is_open, row.closed_at = False, event.occurred_at
        await session.flush()
