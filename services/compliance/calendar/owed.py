"""What a unit owes, as a pure function of its permits, monitoring plans, stoppages and
the rules: the occurrences the calendar should hold between two dates. Generation
(calendar/commands.py) compares this with what is stored. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from contracts.compliance.enums import Frequency, ManagementCategory, OccurrenceKind
from contracts.compliance.rpc import Deadline, ReportScheduleEntry, RuleDefinition
from services.compliance.calendar.domain import (
    OPEN,
    SUSPENDED,
    Period,
    Stoppage,
    WorkingCalendar,
    due_date,
    periods,
)
from services.compliance.rules import RuleSet

REPORT_TITLES = {
    Frequency.ANNUAL: ("（年度）", " (annual)"),
    Frequency.SEMIANNUAL: ("（半年）", " (semi-annual)"),
    Frequency.QUARTERLY: ("（季度）", " (quarterly)"),
    Frequency.MONTHLY: ("（月度）", " (monthly)"),
}


@dataclass(frozen=True)
class PermitFacts:
    id: UUID
    agency_id: UUID
    number: str
    category: ManagementCategory
    valid_from: date
    valid_to: date
    schedule: Sequence[ReportScheduleEntry]


@dataclass(frozen=True)
class PlanFacts:
    id: UUID
    permit_id: UUID
    outlet: str
    pollutant: str
    frequency: Frequency


@dataclass(frozen=True)
class Owed:
    """One occurrence as the rules want it."""

    source_id: UUID
    agency_id: UUID
    kind: OccurrenceKind
    rule_code: str
    title_zh: str
    title_en: str
    period_label: str
    due_date: date
    status: str  # open or suspended
    statement_only: bool
    lead_days: tuple[int, ...]

    @property
    def key(self) -> tuple[UUID, str, str]:
        return (self.source_id, self.rule_code, self.period_label)


@dataclass(frozen=True)
class Window:
    """Occurrences due from `first` (the day the calendar took the unit on) to `last`
    (today + the horizon)."""

    first: date
    last: date

    def holds(self, day: date) -> bool:
        return self.first <= day <= self.last


def _stopped(stoppages: Iterable[Stoppage], day: date) -> bool:
    return any(s.covers(day) for s in stoppages)


def _whole_period_stopped(stoppages: Iterable[Stoppage], period: Period) -> bool:
    return any(s.covers(period.start) and s.covers(period.end) for s in stoppages)


def _recurring(
    rule: RuleDefinition,
    *,
    frequency: Frequency,
    deadline: Deadline,
    source_id: UUID,
    agency_id: UUID,
    rule_code: str,
    titles: tuple[str, str],
    span: tuple[date, date],
    window: Window,
    stoppages: Sequence[Stoppage],
    cal: WorkingCalendar,
    anchor: date | None = None,
) -> list[Owed]:
    owed = []
    for period in periods(frequency, span[0], span[1], anchor):
        due = due_date(period, deadline, cal)
        if not window.holds(due):
            continue
        suspended = rule.during_stoppage == "suspended" and _stopped(stoppages, period.end)
        statement = rule.during_stoppage == "statement_only" and _whole_period_stopped(
            stoppages, period
        )
        owed.append(
            Owed(
                source_id=source_id,
                agency_id=agency_id,
                kind=rule.kind,
                rule_code=rule_code,
                title_zh=titles[0],
                title_en=titles[1],
                period_label=period.label,
                due_date=due,
                status=SUSPENDED if suspended else OPEN,
                statement_only=statement,
                lead_days=tuple(rule.lead_days),
            )
        )
    return owed


def owed_by_unit(
    unit_id: UUID,
    permits: Sequence[PermitFacts],
    plans: Sequence[PlanFacts],
    stoppages: Sequence[Stoppage],
    agency_rules: Sequence[RuleDefinition],
    rules: RuleSet,
    window: Window,
    cal: WorkingCalendar,
) -> list[Owed]:
    """Everything the unit owes within `window`, for its permits (execution reports,
    renewal), monitoring plans, the rule set's unit rules and its agencies' rules."""
    owed: list[Owed] = []
    report_rule = rules.rules["permit.execution_report"]
    renewal = rules.rules["permit.renewal"]
    sampling = rules.rules["monitoring.sampling"]
    by_permit = {p.id: p for p in permits}
    for p in permits:
        for entry in p.schedule:
            zh, en = REPORT_TITLES[entry.frequency]
            owed += _recurring(
                report_rule,
                frequency=entry.frequency,
                deadline=entry.deadline or rules.report_deadlines[entry.frequency],
                source_id=p.id,
                agency_id=p.agency_id,
                rule_code=f"{report_rule.code}.{entry.frequency.value}",
                titles=(report_rule.title_zh + zh, report_rule.title_en + en),
                span=(p.valid_from, p.valid_to),
                window=window,
                stoppages=stoppages,
                cal=cal,
            )
        validity = Period(p.valid_from, p.valid_to, f"{p.valid_from}/{p.valid_to}")
        due = due_date(validity, renewal.deadline, cal)
        if due <= window.last:
            owed.append(
                Owed(
                    source_id=p.id,
                    agency_id=p.agency_id,
                    kind=renewal.kind,
                    rule_code=renewal.code,
                    title_zh=f"{renewal.title_zh}（{p.number}）",
                    title_en=f"{renewal.title_en} ({p.number})",
                    period_label=validity.label,
                    due_date=due,
                    status=OPEN,
                    statement_only=False,
                    lead_days=tuple(renewal.lead_days),
                )
            )
    for plan in plans:
        permit = by_permit.get(plan.permit_id)
        if permit is None or plan.frequency is Frequency.AUTOMATIC:
            continue
        owed += _recurring(
            sampling,
            frequency=plan.frequency,
            deadline=Deadline(),
            source_id=plan.id,
            agency_id=permit.agency_id,
            rule_code=sampling.code,
            titles=(
                f"{sampling.title_zh}：{plan.outlet} {plan.pollutant}",
                f"{sampling.title_en}: {plan.outlet} {plan.pollutant}",
            ),
            span=(permit.valid_from, permit.valid_to),
            window=window,
            stoppages=stoppages,
            cal=cal,
        )
    if not permits:
        return owed
    categories = {p.category for p in permits}
    first = min(p.valid_from for p in permits)
    last = max(p.valid_to for p in permits)
    agency = permits[0].agency_id
    unit_rules = [(r, r.code) for r in rules.unit_rules()]
    unit_rules += [(r, f"agency.{r.code}") for r in agency_rules]
    for rule, code in unit_rules:
        if rule.categories and not categories.intersection(rule.categories):
            continue
        owed += _recurring(
            rule,
            frequency=rule.frequency,
            deadline=rule.deadline,
            source_id=unit_id,
            agency_id=agency,
            rule_code=code,
            titles=(rule.title_zh, rule.title_en),
            span=(first, last),
            window=window,
            stoppages=stoppages,
            cal=cal,
            anchor=first,
        )
    return owed


def keeps(stored_status: str) -> bool:
    """A person's closure (done, waived) is never rewritten by generation; a suspension
    is the rules' own and follows them."""
    return stored_status not in (OPEN, SUSPENDED)
