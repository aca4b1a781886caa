"""Corrections (更正) and voids (作废) of what the workflow recorded: service records, list
items before the contract, team members. Never deleting: the row becomes the new
version, `revision` keeps every version with who, when and why (services/engagement/
revisions.py), and one event per change carries the content before and after to the
trace and, as replacement evidence, to the evaluation service.

A correction is checked by the rules of the original step (a corrected inspection
cannot have more plans than problems); it does not replay the step's side effects (a
corrected seminar does not rewrite the stage report that took its conclusion)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from contracts.core import Contract, EventEnvelope, ValidationFailed, event_type
from contracts.engagement import actions as engagement_actions
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement.enums import RecordKind, RevisionChange, RevisionSubject, Stage
from contracts.engagement.errors import RecordNotFound, WorkflowConflict
from services.engagement.models import ListItem, ServiceRecord, TeamMemberRow
from services.engagement.revisions import Original, keep_version, reason_given
from services.engagement.seed import catalogue_v1
from services.engagement.statistics import commands as statistics
from services.engagement.workflow import repository
from services.engagement.workflow.commands.step import Step, handles, record_details
from services.engagement.workflow.domain import check_emergency, check_inspection, require_stage

# Records and team members can be corrected until the engagement is closed; list items
# only before the contract (afterwards a change is a customised item, R5.2).
CORRECTABLE = (Stage.PREPARATION, Stage.IMPLEMENTATION, Stage.RESULTS, Stage.EVALUATION)
Evidence = Callable[[UUID, Any], tuple[type[EventEnvelope], Contract]]


@dataclass(frozen=True)
class Recording:
    """What a recording action means for its record: its kind, its date, the rules it
    must satisfy, and the evidence event it announced (if the evaluation reads one)."""

    kind: RecordKind
    occurred_on: Callable[[Any], date]
    check: Callable[[Any], None] = lambda _a: None
    evidence: Evidence | None = None
    linked: bool = False  # may name a list item
    experts: bool = False  # invites experts (meeting_expert rows)


def _evidence(cls: type[EventEnvelope], data: Any, id_field: str) -> Evidence:
    return lambda record_id, a: (cls, data.from_row(a, **{id_field: record_id}))


A = engagement_actions
E = engagement_events
D = engagement_event_data
RECORDINGS: dict[type[Contract], Recording] = {
    A.RecordSiteSurvey: Recording(RecordKind.SITE_SURVEY, lambda a: a.surveyed_on),
    A.RecordConsultation: Recording(
        RecordKind.EXPERT_CONSULTATION, lambda a: a.held_on, experts=True
    ),
    A.RecordInspection: Recording(
        RecordKind.INSPECTION,
        lambda a: a.performed_on,
        check=lambda a: check_inspection(a.problems_found, a.rectification_plans),
        evidence=_evidence(E.InspectionCompletedV1, D.InspectionCompletedData, "inspection_id"),
        linked=True,
    ),
    A.RecordTraining: Recording(
        RecordKind.TRAINING,
        lambda a: a.held_on,
        evidence=_evidence(E.TrainingHeldV1, D.TrainingHeldData, "training_id"),
        linked=True,
    ),
    A.RecordEmergency: Recording(
        RecordKind.EMERGENCY,
        lambda a: a.reported_at.date(),
        check=lambda a: check_emergency(a.reported_at, a.responded_at, a.closed_at),
        evidence=_evidence(E.EmergencyClosedV1, D.EmergencyClosedData, "incident_id"),
    ),
    A.RecordComplaint: Recording(
        RecordKind.COMPLAINT,
        lambda a: a.received_on,
        evidence=_evidence(E.ComplaintRecordedV1, D.ComplaintRecordedData, "complaint_id"),
    ),
    A.RecordPenalty: Recording(
        RecordKind.PENALTY,
        lambda a: a.decided_on,
        evidence=_evidence(E.PenaltyRecordedV1, D.PenaltyRecordedData, "penalty_id"),
    ),
    A.RecordSurvey: Recording(
        RecordKind.SATISFACTION_SURVEY,
        lambda a: a.conducted_on,
        evidence=_evidence(E.SurveyRecordedV1, D.SurveyRecordedData, "survey_id"),
    ),
    A.LogWork: Recording(RecordKind.WORK_LOG, lambda a: a.worked_on),
    A.RecordSeminar: Recording(RecordKind.TECHNICAL_SEMINAR, lambda a: a.held_on, experts=True),
}
MEETINGS = {r.kind for r in RECORDINGS.values() if r.experts}


def record_content(record: ServiceRecord) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "occurred_on": record.occurred_on.isoformat(),
        "list_item_id": str(record.list_item_id) if record.list_item_id else None,
        "details": record.details,
    }


def item_content(item: ListItem) -> dict[str, Any]:
    return {
        "catalogue_code": item.catalogue_code,
        "scope": item.scope,
        "expected_effect": item.expected_effect,
        "target": item.target,
        "contracted_quantity": item.contracted_quantity,
        "quantity_unit": item.quantity_unit,
        "due_date": item.due_date.isoformat() if item.due_date else None,
    }


def member_content(member: TeamMemberRow) -> dict[str, Any]:
    return {
        "person_id": str(member.person_id),
        "name": member.name,
        "role": member.role,
        "qualification": member.qualification,
    }


async def _announce(
    step: Step,
    voided: bool,
    data: engagement_event_data.RevisionData,
    evidence: tuple[type[EventEnvelope], Contract] | None = None,
) -> None:
    if evidence is not None:
        cls, facts = evidence
        data = data.model_copy(
            update={"evidence_type": event_type(cls), "evidence": facts.model_dump(mode="json")}
        )
    cls_ = engagement_events.RecordVoidedV1 if voided else engagement_events.RecordCorrectedV1
    await step.emit(cls_, data)


# --- service records ---------------------------------------------------------------------


async def _live_record(step: Step, record_id: UUID) -> ServiceRecord:
    record = await step.service_record(record_id)
    if record.voided_at is not None:
        raise WorkflowConflict("the record is voided: it can no longer be changed")
    return record


@handles(engagement_actions.CorrectRecord)
async def correct_record(step: Step, a: engagement_actions.CorrectRecord) -> None:
    require_stage(step.stage, *CORRECTABLE, step="correcting a record")
    reason = reason_given(a.reason)
    record = await _live_record(step, a.record_id)
    recording = RECORDINGS[type(a.record)]
    if record.kind != recording.kind:
        raise ValidationFailed(
            "a record is corrected with content of its own kind (see its kind)",
            field="recordId",
        )
    recording.check(a.record)
    item_id = getattr(a.record, "list_item_id", None) if recording.linked else None
    item = await step.item(item_id) if item_id is not None else None
    before = record_content(record)
    record.occurred_on = recording.occurred_on(a.record)
    record.details = record_details(a.record)
    record.list_item_id = item.id if item else None
    after = record_content(record)
    original = Original(before, record.recorded_by, record.recorded_at)
    record.version = await keep_version(
        step.session, step.ctx, RevisionSubject.RECORD, record.id, step.engagement.id,
        original, RevisionChange.CORRECTED, after, reason,
    )  # fmt: skip
    if recording.experts:
        await repository.forget_meeting_experts(step.session, record.id)
        await step.invite(record, getattr(a.record, "expert_ids", []))
    data = engagement_event_data.RevisionData(
        subject=RevisionSubject.RECORD, subject_id=record.id, kind=record.kind,
        version=record.version, change=RevisionChange.CORRECTED, reason=reason,
        before=before, after=after, evidence_subject_id=record.id,
    )  # fmt: skip
    evidence = recording.evidence(record.id, a.record) if recording.evidence else None
    await _announce(step, False, data, evidence)


@handles(engagement_actions.VoidRecord)
async def void_record(step: Step, a: engagement_actions.VoidRecord) -> None:
    require_stage(step.stage, *CORRECTABLE, step="voiding a record")
    reason = reason_given(a.reason)
    record = await _live_record(step, a.record_id)
    if record.kind != a.kind:
        # The caller named another kind: as if the record did not exist for that kind.
        raise RecordNotFound("no such record in this engagement", field="recordId")
    content = record_content(record)
    record.voided_at = datetime.now(UTC)
    original = Original(content, record.recorded_by, record.recorded_at)
    record.version = await keep_version(
        step.session, step.ctx, RevisionSubject.RECORD, record.id, step.engagement.id,
        original, RevisionChange.VOIDED, content, reason,
    )  # fmt: skip
    if record.kind in MEETINGS:
        await repository.forget_meeting_experts(step.session, record.id)
    data = engagement_event_data.RevisionData(
        subject=RevisionSubject.RECORD, subject_id=record.id, kind=record.kind,
        version=record.version, change=RevisionChange.VOIDED, reason=reason,
        before=content, evidence_subject_id=record.id,
    )  # fmt: skip
    await _announce(step, True, data)


# --- list items, before the contract ---------------------------------------------------


@handles(engagement_actions.CorrectListItem)
async def correct_list_item(step: Step, a: engagement_actions.CorrectListItem) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="correcting a list item")
    reason = reason_given(a.reason)
    item = await step.item(a.item_id)
    before = item_content(item)
    item.scope, item.expected_effect, item.target = a.scope, a.expected_effect, a.target
    item.contracted_quantity, item.quantity_unit = a.contracted_quantity, a.quantity_unit
    was = statistics.open_due(item)
    item.due_date = a.due_date
    await statistics.count_item(step.session, step.engagement, was, item)
    item.overdue_notified_on = None  # a new time node is announced anew when it passes
    after = item_content(item)
    item.version = await keep_version(
        step.session, step.ctx, RevisionSubject.LIST_ITEM, item.id, step.engagement.id,
        Original(before, None, item.created_at), RevisionChange.CORRECTED, after, reason,
    )  # fmt: skip
    entry = await repository.catalogue_entry(
        step.session, catalogue_v1.VERSION, item.catalogue_code
    )
    facts = engagement_event_data.ListItemAddedData(
        item_id=item.id,
        catalogue_code=item.catalogue_code,
        title=entry.name_zh if entry else item.catalogue_code,
        contracted_quantity=item.contracted_quantity,
        quantity_unit=item.quantity_unit,
        due_date=item.due_date,
        customised=item.customised,
    )
    data = engagement_event_data.RevisionData(
        subject=RevisionSubject.LIST_ITEM, subject_id=item.id, version=item.version,
        change=RevisionChange.CORRECTED, reason=reason, before=before, after=after,
        evidence_subject_id=item.id,
    )  # fmt: skip
    await _announce(step, False, data, (engagement_events.ListItemAddedV1, facts))


@handles(engagement_actions.VoidListItem)
async def void_list_item(step: Step, a: engagement_actions.VoidListItem) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="voiding a list item")
    reason = reason_given(a.reason)
    item = await step.item(a.item_id)
    content = item_content(item)
    was = statistics.open_due(item)
    item.voided_at = datetime.now(UTC)
    await statistics.count_item(step.session, step.engagement, was, item)
    item.version = await keep_version(
        step.session, step.ctx, RevisionSubject.LIST_ITEM, item.id, step.engagement.id,
        Original(content, None, item.created_at), RevisionChange.VOIDED, content, reason,
    )  # fmt: skip
    data = engagement_event_data.RevisionData(
        subject=RevisionSubject.LIST_ITEM, subject_id=item.id, version=item.version,
        change=RevisionChange.VOIDED, reason=reason, before=content,
        evidence_subject_id=item.id,
    )  # fmt: skip
    await _announce(step, True, data)


# --- team members ------------------------------------------------------------------------


async def _member(step: Step, person_id: UUID) -> TeamMemberRow:
    member = await repository.team_member(step.session, step.engagement.id, person_id)
    if member is None:
        raise RecordNotFound("no such team member in this engagement", field="personId")
    return member


async def _team_now(step: Step) -> tuple[type[EventEnvelope], Contract]:
    """The team as it now stands: the evaluation's team evidence (C.一.1) is replaced."""
    await step.session.flush()
    members = await repository.current_team(step.session, step.engagement.id)
    facts = engagement_event_data.TeamFormedData(
        contracted_size=step.engagement.contracted_team_size or 0,
        members=[engagement_event_data.TeamMember.from_row(m) for m in members],
    )
    return engagement_events.TeamFormedV1, facts


@handles(engagement_actions.CorrectTeamMember)
async def correct_team_member(step: Step, a: engagement_actions.CorrectTeamMember) -> None:
    require_stage(step.stage, *CORRECTABLE, step="correcting a team member")
    reason = reason_given(a.reason)
    member = await _member(step, a.person_id)
    before = member_content(member)
    member.name, member.role, member.qualification = a.name, a.role, a.qualification
    after = member_content(member)
    member.version = await keep_version(
        step.session, step.ctx, RevisionSubject.TEAM_MEMBER, member.id, step.engagement.id,
        Original(before, None, None), RevisionChange.CORRECTED, after, reason,
    )  # fmt: skip
    data = engagement_event_data.RevisionData(
        subject=RevisionSubject.TEAM_MEMBER, subject_id=member.id, version=member.version,
        change=RevisionChange.CORRECTED, reason=reason, before=before, after=after,
        evidence_subject_id=step.engagement.id,
    )  # fmt: skip
    await _announce(step, False, data, await _team_now(step))


@handles(engagement_actions.VoidTeamMember)
async def void_team_member(step: Step, a: engagement_actions.VoidTeamMember) -> None:
    require_stage(step.stage, *CORRECTABLE, step="voiding a team member")
    reason = reason_given(a.reason)
    member = await _member(step, a.person_id)
    content = member_content(member)
    member.voided_at = datetime.now(UTC)
    member.version = await keep_version(
        step.session, step.ctx, RevisionSubject.TEAM_MEMBER, member.id, step.engagement.id,
        Original(content, None, None), RevisionChange.VOIDED, content, reason,
    )  # fmt: skip
    data = engagement_event_data.RevisionData(
        subject=RevisionSubject.TEAM_MEMBER, subject_id=member.id, version=member.version,
        change=RevisionChange.VOIDED, reason=reason, before=content,
        evidence_subject_id=step.engagement.id,
    )  # fmt: skip
    # The team's evidence is replaced by the team without this member.
    await _announce(step, True, data, await _team_now(step))
