"""Scores suggested by the process evidence (证据建议分). Pure functions, no I/O.

The engagement service's workflow events (contracts/engagement/events.py) are kept
as evidence; for the items the data can speak to, a rule turns an engagement's
history into a suggested score with the events it rests on. The evaluator
accepts the suggestion or overrides it with a reason; both are kept.

Every rule returns None when the history holds nothing to judge by (for
instance no contracted trainings), so a missing fact is never read as a zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.core import EventEnvelope, event_type
from contracts.engagement.enums import RecordKind
from contracts.engagement.event_data import (
    ComplaintRecordedData,
    EmergencyClosedData,
    InspectionCompletedData,
    ListItemAddedData,
    PenaltyRecordedData,
    SurveyRecordedData,
    TeamFormedData,
    TrainingHeldData,
)
from contracts.engagement.events import (
    ComplaintRecordedV1,
    EmergencyClosedV1,
    InspectionCompletedV1,
    ListItemAddedV1,
    PenaltyRecordedV1,
    SurveyRecordedV1,
    TeamFormedV1,
    TrainingHeldV1,
)
from services.evaluation.domain import ZERO, cents


def evidence_kind(type_: str) -> str:
    """`engagement.training_held.v1` → `training_held`: evidence is kept by the event's
    name, without its service and version."""
    _service, _, name = type_.partition(".")
    return name.rsplit(".", 1)[0]


def _kind(event: type[EventEnvelope]) -> str:
    return evidence_kind(event_type(event))


# The events kept as evidence.
LIST_ITEM = _kind(ListItemAddedV1)
TEAM = _kind(TeamFormedV1)
INSPECTION = _kind(InspectionCompletedV1)
TRAINING = _kind(TrainingHeldV1)
EMERGENCY = _kind(EmergencyClosedV1)
COMPLAINT = _kind(ComplaintRecordedV1)
PENALTY = _kind(PenaltyRecordedV1)
SURVEY = _kind(SurveyRecordedV1)
EVIDENCE_KINDS = (LIST_ITEM, TEAM, INSPECTION, TRAINING, EMERGENCY, COMPLAINT, PENALTY, SURVEY)

# The field of each kind's data naming what it is about (a record's or item's id), so
# a correction or void of that subject replaces or retires it. The team's subject is
# the engagement: there is one team.
SUBJECT_FIELDS = {
    LIST_ITEM: "item_id",
    INSPECTION: "inspection_id",
    TRAINING: "training_id",
    EMERGENCY: "incident_id",
    COMPLAINT: "complaint_id",
    PENALTY: "penalty_id",
    SURVEY: "survey_id",
}


def subject_of(kind: str, data: dict[str, Any], engagement_id: UUID) -> UUID | None:
    if kind == TEAM:
        return engagement_id
    field = SUBJECT_FIELDS.get(kind)
    return UUID(str(data[field])) if field and data.get(field) else None


@dataclass(frozen=True)
class Evidence:
    """One workflow event of an engagement, as the evaluation service keeps it."""

    event_id: UUID
    kind: str
    occurred_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class Suggestion:
    item_code: str
    points: Decimal
    max_points: Decimal
    rationale: str
    evidence: tuple[UUID, ...]


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end


Rule = Callable[[Sequence[Evidence], Period, Decimal], Suggestion | None]


def _of(history: Sequence[Evidence], kind: str) -> list[Evidence]:
    return [e for e in history if e.kind == kind]


def _contracted(history: Sequence[Evidence], unit: str) -> tuple[int, list[UUID]]:
    """How many times the service list (托管服务清单) contracts `unit` (e.g. inspection)."""
    total, ids = 0, []
    for e in _of(history, LIST_ITEM):
        item = ListItemAddedData.model_validate(e.data)
        if item.quantity_unit == unit and item.contracted_quantity:
            total += item.contracted_quantity
            ids.append(e.event_id)
    return total, ids


def _ratio(done: int, wanted: int) -> Decimal:
    return min(Decimal(1), Decimal(done) / Decimal(wanted))


def team_staffed(
    history: Sequence[Evidence], period: Period, max_points: Decimal
) -> Suggestion | None:
    """一.1: the latest team against the contracted size, in proportion."""
    teams = _of(history, TEAM)
    if not teams:
        return None
    latest = max(teams, key=lambda e: e.occurred_at)
    team = TeamFormedData.model_validate(latest.data)
    if team.contracted_size == 0:
        return None
    ratio = _ratio(len(team.members), team.contracted_size)
    return Suggestion(
        "一.1",
        cents(max_points * ratio),
        max_points,
        f"team of {len(team.members)} against {team.contracted_size} contracted",
        (latest.event_id,),
    )


def inspections_done(
    history: Sequence[Evidence], period: Period, max_points: Decimal
) -> Suggestion | None:
    """二.2: half for inspections done vs contracted, half for problems that got a
    rectification plan (full when no problem was found)."""
    wanted, contract_ids = _contracted(history, RecordKind.INSPECTION)
    if wanted == 0:
        return None
    done = [(e, InspectionCompletedData.model_validate(e.data)) for e in _of(history, INSPECTION)]
    done = [(e, d) for e, d in done if period.holds(d.performed_on)]
    problems = sum(d.problems_found for _, d in done)
    planned = sum(min(d.rectification_plans, d.problems_found) for _, d in done)
    plan_ratio = Decimal(1) if problems == 0 else Decimal(planned) / Decimal(problems)
    ratio = (_ratio(len(done), wanted) + plan_ratio) / 2
    return Suggestion(
        "二.2",
        cents(max_points * ratio),
        max_points,
        f"{len(done)} of {wanted} contracted inspections; "
        f"rectification plans for {planned} of {problems} problems",
        (*contract_ids, *(e.event_id for e, _ in done)),
    )


def trainings_held(
    history: Sequence[Evidence], period: Period, max_points: Decimal
) -> Suggestion | None:
    """二.3: trainings held with complete records vs contracted."""
    wanted, contract_ids = _contracted(history, RecordKind.TRAINING)
    if wanted == 0:
        return None
    held = [(e, TrainingHeldData.model_validate(e.data)) for e in _of(history, TRAINING)]
    held = [(e, t) for e, t in held if period.holds(t.held_on)]
    recorded = [e for e, t in held if t.has_records]
    return Suggestion(
        "二.3",
        cents(max_points * _ratio(len(recorded), wanted)),
        max_points,
        f"{len(recorded)} of {wanted} contracted trainings held with records "
        f"({len(held)} held in all)",
        (*contract_ids, *(e.event_id for e, _ in held)),
    )


def _emergencies(history: Sequence[Evidence], period: Period) -> list[tuple[Evidence, Any]]:
    found = [(e, EmergencyClosedData.model_validate(e.data)) for e in _of(history, EMERGENCY)]
    return [(e, d) for e, d in found if period.holds(d.reported_at.date())]


def emergencies_answered(
    history: Sequence[Evidence], period: Period, max_points: Decimal
) -> Suggestion | None:
    """二.9: emergencies responded to within the contracted time, in proportion;
    full marks when none happened (nothing was left unanswered)."""
    found = _emergencies(history, period)
    if not found:
        return Suggestion("二.9", max_points, max_points, "no environmental emergency", ())
    in_time = [
        e
        for e, d in found
        if (d.responded_at - d.reported_at).total_seconds() <= d.contracted_response_minutes * 60
    ]
    return Suggestion(
        "二.9",
        cents(max_points * _ratio(len(in_time), len(found))),
        max_points,
        f"{len(in_time)} of {len(found)} emergencies answered within the contracted time",
        tuple(e.event_id for e, _ in found),
    )


def _none_happened(code: str, found: list[Evidence], max_points: Decimal, what: str) -> Suggestion:
    """All or nothing: the item says "no … within the service scope"."""
    if not found:
        return Suggestion(code, max_points, max_points, f"no {what}", ())
    return Suggestion(
        code, ZERO, max_points, f"{len(found)} {what}", tuple(e.event_id for e in found)
    )


def no_verified_complaint(
    history: Sequence[Evidence], period: Period, max_points: Decimal
) -> Suggestion:
    """二.10: 无查实的服务质量投诉 — any verified complaint in the period loses the item."""
    verified = [
        e
        for e in _of(history, COMPLAINT)
        if (c := ComplaintRecordedData.model_validate(e.data)).verified
        and period.holds(c.received_on)
    ]
    return _none_happened("二.10", verified, max_points, "verified quality complaint(s)")


def no_emergency(history: Sequence[Evidence], period: Period, max_points: Decimal) -> Suggestion:
    """三.3: 未发生突发环境事件."""
    found = [e for e, _ in _emergencies(history, period)]
    return _none_happened("三.3", found, max_points, "environmental emergency(ies)")


def no_penalty(history: Sequence[Evidence], period: Period, max_points: Decimal) -> Suggestion:
    """三.4: 未发生环保处罚事件."""
    found = [
        e
        for e in _of(history, PENALTY)
        if period.holds(PenaltyRecordedData.model_validate(e.data).decided_on)
    ]
    return _none_happened("三.4", found, max_points, "environmental penalty(ies)")


def satisfaction(
    history: Sequence[Evidence], period: Period, max_points: Decimal
) -> Suggestion | None:
    """三.5: the mean satisfaction score (0–100) scaled to the item's maximum."""
    surveys = [(e, SurveyRecordedData.model_validate(e.data)) for e in _of(history, SURVEY)]
    surveys = [(e, s) for e, s in surveys if period.holds(s.conducted_on)]
    if not surveys:
        return None
    mean = sum((s.score for _, s in surveys), ZERO) / len(surveys)
    return Suggestion(
        "三.5",
        cents(max_points * mean / 100),
        max_points,
        f"mean satisfaction {cents(mean)} over {len(surveys)} survey(s)",
        tuple(e.event_id for e, _ in surveys),
    )


RULES: dict[str, Rule] = {
    "一.1": team_staffed,
    "二.2": inspections_done,
    "二.3": trainings_held,
    "二.9": emergencies_answered,
    "二.10": no_verified_complaint,
    "三.3": no_emergency,
    "三.4": no_penalty,
    "三.5": satisfaction,
}


def suggest(
    history: Sequence[Evidence], period: Period, maxima: dict[str, Decimal]
) -> list[Suggestion]:
    """Suggestions for the items of a template (`maxima`: item code → max points)
    that have a rule; a variant that drops an item simply gets no suggestion."""
    out = []
    for code, rule in RULES.items():
        if code in maxima and (s := rule(history, period, maxima[code])) is not None:
            out.append(s)
    return out
