"""The engagement's service records, read back as the typed actions that recorded them.

The engagement service keeps a record's `details` as its action's fields without
`action` and `list_item_id` (services/engagement/workflow/commands/step.py), so each
kind validates against its action contract. A record that no longer validates (an
older shape) is counted as unreadable rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from contracts.archive.documents import DocumentPeriod
from contracts.core import Contract
from contracts.engagement.actions import (
    LogWork,
    RecordComplaint,
    RecordConsultation,
    RecordEmergency,
    RecordInspection,
    RecordPenalty,
    RecordSeminar,
    RecordSiteSurvey,
    RecordSurvey,
    RecordTraining,
)
from contracts.engagement.enums import RecordKind
from contracts.engagement.rpc_workflow import RecordView, WorkflowView

ACTION_OF: dict[RecordKind, type[Contract]] = {
    RecordKind.SITE_SURVEY: RecordSiteSurvey,
    RecordKind.EXPERT_CONSULTATION: RecordConsultation,
    RecordKind.INSPECTION: RecordInspection,
    RecordKind.TRAINING: RecordTraining,
    RecordKind.EMERGENCY: RecordEmergency,
    RecordKind.COMPLAINT: RecordComplaint,
    RecordKind.PENALTY: RecordPenalty,
    RecordKind.WORK_LOG: LogWork,
    RecordKind.SATISFACTION_SURVEY: RecordSurvey,
    RecordKind.TECHNICAL_SEMINAR: RecordSeminar,
}

T = TypeVar("T", bound=Contract)


@dataclass(frozen=True)
class Dated(Generic[T]):
    on: date
    action: T


@dataclass
class Records:
    """The records of one engagement, by kind, in date order."""

    site_surveys: list[Dated[RecordSiteSurvey]] = field(default_factory=list)
    consultations: list[Dated[RecordConsultation]] = field(default_factory=list)
    inspections: list[Dated[RecordInspection]] = field(default_factory=list)
    trainings: list[Dated[RecordTraining]] = field(default_factory=list)
    emergencies: list[Dated[RecordEmergency]] = field(default_factory=list)
    complaints: list[Dated[RecordComplaint]] = field(default_factory=list)
    penalties: list[Dated[RecordPenalty]] = field(default_factory=list)
    work_logs: list[Dated[LogWork]] = field(default_factory=list)
    surveys: list[Dated[RecordSurvey]] = field(default_factory=list)
    seminars: list[Dated[RecordSeminar]] = field(default_factory=list)
    unreadable: int = 0


_FIELD_OF: dict[RecordKind, str] = {
    RecordKind.SITE_SURVEY: "site_surveys",
    RecordKind.EXPERT_CONSULTATION: "consultations",
    RecordKind.INSPECTION: "inspections",
    RecordKind.TRAINING: "trainings",
    RecordKind.EMERGENCY: "emergencies",
    RecordKind.COMPLAINT: "complaints",
    RecordKind.PENALTY: "penalties",
    RecordKind.WORK_LOG: "work_logs",
    RecordKind.SATISFACTION_SURVEY: "surveys",
    RecordKind.TECHNICAL_SEMINAR: "seminars",
}


def within(on: date, period: DocumentPeriod | None) -> bool:
    return period is None or period.start <= on <= period.end


def _parse(record: RecordView) -> Contract | None:
    action = ACTION_OF.get(RecordKind(record.kind))
    if action is None:
        return None
    details: dict[str, Any] = dict(record.details)
    try:
        return action.model_validate(details)
    except ValidationError:
        return None


def read_records(workflow: WorkflowView, period: DocumentPeriod | None = None) -> Records:
    """The workflow's records that fall in `period` (all of them without one)."""
    out = Records()
    for record in sorted(workflow.records, key=lambda r: (r.occurred_on, r.recorded_at)):
        if not within(record.occurred_on, period):
            continue
        action = _parse(record)
        if action is None:
            out.unreadable += 1
            continue
        getattr(out, _FIELD_OF[RecordKind(record.kind)]).append(Dated(record.occurred_on, action))
    return out
