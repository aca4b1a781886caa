"""Use cases that change the calendar: generating a unit's occurrences over the rolling
horizon, the daily scan, and closing an occurrence (complete, waive, a monitoring
result), each close recorded as a traced event in the same transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import Frequency, ManagementCategory, OccurrenceKind
from contracts.compliance.errors import OccurrenceClosed, OccurrenceNotFound
from contracts.compliance.events import (
    OccurrenceClosedData,
    OccurrenceCompletedV1,
    OccurrenceWaivedV1,
)
from contracts.core import Scope, ValidationFailed
from kit.db import Database
from kit.events import make_event
from kit.ids import new_id
from kit.logging import get_logger
from kit.outbox import record_event
from kit.rpc import CallContext
from services.compliance import clock
from services.compliance.calendar import domain, repository
from services.compliance.calendar.owed import (
    Owed,
    PermitFacts,
    PlanFacts,
    Window,
    keeps,
    owed_by_unit,
)
from services.compliance.calendar.reminders import schedule_reminders
from services.compliance.calendar.views import occurrence_view
from services.compliance.models import Occurrence, messaging
from services.compliance.obligations import repository as obligations
from services.compliance.rules import ruleset

log = get_logger(__name__)


async def generate_unit(session: AsyncSession, unit_id: UUID, today: date) -> int:
    """Bring the unit's generated occurrences in line with its permits, plans, stoppages
    and rules up to the horizon: insert what is missing, follow the rules on open
    rows, drop open rows the rules no longer want; closed rows stay as they were.
    Returns how many rows changed."""
    permits = await obligations.permits_of_unit(session, unit_id)
    if not permits:
        return 0
    rules = ruleset()
    next_on = domain.next_regeneration(unit_id, today)
    await repository.record_generated(session, unit_id, rules.version, today, next_on)
    facts = [
        PermitFacts(
            id=p.id,
            agency_id=p.agency_id,
            number=p.number,
            category=ManagementCategory(p.category),
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            schedule=[
                compliance_rpc.ReportScheduleEntry.model_validate(e) for e in p.report_schedule
            ],
        )
        for p in permits
    ]
    plans = [
        PlanFacts(
            id=plan.id,
            permit_id=plan.permit_id,
            outlet=plan.outlet,
            pollutant=plan.pollutant,
            frequency=Frequency(plan.frequency),
        )
        for plan in await obligations.plans_of_unit(session, unit_id)
    ]
    stoppages = [
        domain.Stoppage(s.starts_on, s.ends_on)
        for s in await obligations.stoppages_of_unit(session, unit_id)
    ]
    agency_rules = [
        compliance_rpc.RuleDefinition.model_validate(r.definition)
        for r in await obligations.latest_agency_rules(session, permits[0].agency_id)
    ]
    first = min(p.created_at for p in permits).astimezone(UTC).date()
    window = Window(first=min(first, today), last=domain.horizon_end(today))
    wanted = owed_by_unit(
        unit_id, facts, plans, stoppages, agency_rules, rules, window, domain.china()
    )
    return await _apply(session, unit_id, permits[0].region_code, wanted, rules.version, today)


async def _apply(
    session: AsyncSession,
    unit_id: UUID,
    region_code: str,
    wanted: list[Owed],
    version: str,
    today: date,
) -> int:
    # Core statements, not ORM objects: a unit has ~100 occurrences and the daily scan
    # visits every unit (bench/calendar.py).
    stored = {
        (r.source_id, r.rule_code, r.period_label): r
        for r in await repository.generated_keys_of_unit(session, unit_id)
    }
    new_rows = []
    changed = 0
    for owed in wanted:
        row = stored.pop(owed.key, None)
        if row is None:
            new_rows.append(_new_row(unit_id, region_code, owed, version))
        elif not keeps(row.status) and _differs(row, owed):
            await repository.update_open(
                session,
                row.id,
                due_date=owed.due_date,
                title_zh=owed.title_zh,
                title_en=owed.title_en,
                status=owed.status,
                statement_only=owed.statement_only,
                lead_days=list(owed.lead_days),
                ruleset_version=version,
            )
            changed += 1
    await repository.insert_many(session, new_rows)
    # Open rows the rules no longer want (a schedule changed, a plan went): gone from
    # today on; what fell due before stays, as does everything someone closed.
    dropped = [o.id for o in stored.values() if not keeps(o.status) and o.due_date >= today]
    await repository.remove(session, dropped)
    return changed + len(new_rows) + len(dropped)


def _differs(row: Any, owed: Owed) -> bool:
    return bool(
        row.due_date != owed.due_date
        or row.status != owed.status
        or row.statement_only != owed.statement_only
        or row.title_zh != owed.title_zh
        or list(row.lead_days) != list(owed.lead_days)
    )


def _new_row(unit_id: UUID, region_code: str, owed: Owed, version: str) -> dict[str, Any]:
    return {
        "id": new_id(),
        "unit_id": unit_id,
        "agency_id": owed.agency_id,
        "region_code": region_code,
        "engagement_id": None,
        "source_id": owed.source_id,
        "kind": owed.kind.value,
        "rule_code": owed.rule_code,
        "ruleset_version": version,
        "title_zh": owed.title_zh,
        "title_en": owed.title_en,
        "period_label": owed.period_label,
        "due_date": owed.due_date,
        "status": owed.status,
        "statement_only": owed.statement_only,
        "lead_days": list(owed.lead_days),
    }


REGENERATION_BATCH = 200
"""Units regenerated per transaction by the daily scan: a new rule set regenerates every
unit, which at 10,000 units takes minutes (bench/calendar.py) — never in one transaction."""


async def daily_scan(db: Database, today: date) -> int:
    """Extend the horizon of the units whose day has come (a 28th of them each day, see
    `domain.next_regeneration`), regenerate every unit whose occurrences follow another
    rule set than the running one (a deploy brought new rules), then schedule the day's
    reminders. Each batch of units is its own transaction.

    Everything else that changes what a unit owes (permits, schedules, plans, stoppages,
    agency rules) regenerates that unit when it happens, so a unit's other days only
    remind. Idempotent: a second run finds no unit to regenerate, and reminders are
    keyed (calendar/reminders.py), so a second replica's scan schedules nothing twice."""
    regenerated = len(await extend_horizons(db, today))
    async with db.transaction() as session:
        reminders = await schedule_reminders(session, today)
    log.info(
        "compliance.daily_scan", day=today.isoformat(), regenerated=regenerated, reminders=reminders
    )
    return 0  # records no events: nothing for the relay to publish


async def extend_horizons(db: Database, today: date) -> list[UUID]:
    """The daily scan's regeneration, `REGENERATION_BATCH` units a transaction; returns
    the units it regenerated."""
    async with db.transaction() as session:
        units = await repository.units_to_regenerate(session, today, ruleset().version)
    for start in range(0, len(units), REGENERATION_BATCH):
        async with db.transaction() as session:
            await regenerate(session, units[start : start + REGENERATION_BATCH], today)
    return units


async def regenerate(session: AsyncSession, units: list[UUID], today: date) -> None:
    for unit_id in units:
        await generate_unit(session, unit_id, today)


async def refresh_unit(session: AsyncSession, unit_id: UUID, today: date) -> None:
    """After a change to what the unit owes: its occurrences, and reminders due now."""
    await generate_unit(session, unit_id, today)
    await schedule_reminders(session, today, unit_id)


# --- closing an occurrence ------------------------------------------------------------


async def _open_occurrence(session: AsyncSession, occurrence_id: UUID, scope: Scope) -> Occurrence:
    row = await repository.occurrence(session, occurrence_id, scope)
    if row is None:
        raise OccurrenceNotFound("no such occurrence", field="occurrenceId")
    if row.kind in repository.RULE_KINDS_EXCLUDED:
        # An engagement's item closes by its own workflow step, never here.
        raise OccurrenceClosed(
            "this occurrence is closed by its engagement's workflow",
            field="occurrenceId",
            details={"state": "engagement"},
        )
    if row.status != domain.OPEN:
        raise OccurrenceClosed(
            "the occurrence is already {state}",
            field="occurrenceId",
            params={"state": row.status},
            details={"state": row.status},
        )
    return row


async def _close(
    session: AsyncSession,
    row: Occurrence,
    ctx: CallContext,
    event: type[OccurrenceCompletedV1] | type[OccurrenceWaivedV1],
) -> compliance_rpc.OccurrenceView:
    row.closed_at = datetime.now(UTC)
    row.closed_by = ctx.actor
    data = OccurrenceClosedData(
        occurrence_id=row.id,
        unit_id=row.unit_id,
        agency_id=row.agency_id,
        kind=OccurrenceKind(row.kind),
        rule_code=row.rule_code,
        period_label=row.period_label,
        due_date=row.due_date,
        evidence_item_id=row.evidence_item_id,
        note=row.note,
        reason=row.waived_reason,
        result_value=row.result_value,
        exceeded=row.exceeded,
    )
    await record_event(
        session, messaging, make_event(event, ctx, data, engagement_id=row.engagement_id)
    )
    await session.flush()
    return occurrence_view(row, clock.today(), clock.due_soon_days())


async def complete(
    session: AsyncSession, req: compliance_rpc.CompleteOccurrenceRequest, ctx: CallContext
) -> compliance_rpc.OccurrenceView:
    row = await _open_occurrence(session, req.occurrence_id, req.scope)
    if row.kind == OccurrenceKind.MONITORING and req.evidence_item_id is None:
        raise ValidationFailed(
            "a monitoring occurrence is completed with its result (recordMonitoringResult)",
            field="occurrenceId",
        )
    row.status = domain.DONE
    row.evidence_item_id = req.evidence_item_id
    row.note = req.note
    return await _close(session, row, ctx, OccurrenceCompletedV1)


async def waive(
    session: AsyncSession, req: compliance_rpc.WaiveOccurrenceRequest, ctx: CallContext
) -> compliance_rpc.OccurrenceView:
    row = await _open_occurrence(session, req.occurrence_id, req.scope)
    row.status = domain.WAIVED
    row.waived_reason = req.reason
    return await _close(session, row, ctx, OccurrenceWaivedV1)


async def record_result(
    session: AsyncSession, req: compliance_rpc.RecordMonitoringResultRequest, ctx: CallContext
) -> compliance_rpc.OccurrenceView:
    row = await _open_occurrence(session, req.occurrence_id, req.scope)
    if row.kind != OccurrenceKind.MONITORING:
        raise ValidationFailed("only a monitoring occurrence has a result", field="occurrenceId")
    plan = await obligations.plan(session, row.source_id)
    limit = req.limit_value if req.limit_value is not None else plan.limit_value if plan else None
    row.status = domain.DONE
    row.result_value = req.value
    row.result_limit = limit
    row.result_unit = req.unit if req.unit is not None else (plan.limit_unit if plan else None)
    row.exceeded = None if limit is None else req.value > limit
    row.evidence_item_id = req.report_item_id
    return await _close(session, row, ctx, OccurrenceCompletedV1)
