"""Implementation steps (实施, R4.2.3): the activities that are the service — and the
evidence for Appendix C — plus stage reports and technical seminars."""

from __future__ import annotations

from typing import Any

from contracts.core import ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement.enums import ListItemStatus, RecordKind, Stage
from services.engagement.models import ListItem
from services.engagement.statistics import commands as statistics
from services.engagement.workflow.commands.step import Step, handles
from services.engagement.workflow.domain import (
    ItemMove,
    check_emergency,
    check_inspection,
    next_item_status,
    require_stage,
)

IMPLEMENTING = (Stage.IMPLEMENTATION,)
IMPLEMENTING_OR_AFTER = (Stage.IMPLEMENTATION, Stage.RESULTS)


async def _linked_item(step: Step, item_id: Any) -> ListItem | None:
    return None if item_id is None else await step.item(item_id)


@handles(engagement_actions.FinishListItem)
async def finish_list_item(step: Step, a: engagement_actions.FinishListItem) -> None:
    require_stage(step.stage, *IMPLEMENTING, step="finishing a list item")
    item = await step.item(a.item_id)
    reason = a.waived_reason
    if reason is not None and not reason.strip():
        raise ValidationFailed("a waiver needs a reason", field="waivedReason")
    action = ItemMove.COMPLETE if reason is None else ItemMove.WAIVE
    was = statistics.open_due(item)
    item.status = next_item_status(ListItemStatus(item.status), action)
    item.waived_reason = reason
    await statistics.count_item(step.session, step.engagement, was, item)
    await step.emit(
        engagement_events.ListItemFinishedV1,
        engagement_event_data.ListItemFinishedData(
            item_id=item.id, status=item.status, waived_reason=reason
        ),
    )


@handles(engagement_actions.RecordInspection)
async def record_inspection(step: Step, a: engagement_actions.RecordInspection) -> None:
    require_stage(step.stage, *IMPLEMENTING, step="an inspection")
    check_inspection(a.problems_found, a.rectification_plans)
    item = await _linked_item(step, a.list_item_id)
    record = await step.record(RecordKind.INSPECTION, a.performed_on, a, item)
    await step.emit(
        engagement_events.InspectionCompletedV1,
        engagement_event_data.InspectionCompletedData.from_row(a, inspection_id=record.id),
    )


@handles(engagement_actions.RecordTraining)
async def record_training(step: Step, a: engagement_actions.RecordTraining) -> None:
    require_stage(step.stage, *IMPLEMENTING, step="a training")
    item = await _linked_item(step, a.list_item_id)
    record = await step.record(RecordKind.TRAINING, a.held_on, a, item)
    await step.emit(
        engagement_events.TrainingHeldV1,
        engagement_event_data.TrainingHeldData.from_row(a, training_id=record.id),
    )


@handles(engagement_actions.RecordEmergency)
async def record_emergency(step: Step, a: engagement_actions.RecordEmergency) -> None:
    require_stage(step.stage, *IMPLEMENTING, step="an environmental emergency")
    check_emergency(a.reported_at, a.responded_at, a.closed_at)
    record = await step.record(RecordKind.EMERGENCY, a.reported_at.date(), a, None)
    await step.emit(
        engagement_events.EmergencyClosedV1,
        engagement_event_data.EmergencyClosedData.from_row(a, incident_id=record.id),
    )


@handles(engagement_actions.RecordComplaint)
async def record_complaint(step: Step, a: engagement_actions.RecordComplaint) -> None:
    require_stage(step.stage, *IMPLEMENTING_OR_AFTER, step="a quality complaint")
    record = await step.record(RecordKind.COMPLAINT, a.received_on, a, None)
    await step.emit(
        engagement_events.ComplaintRecordedV1,
        engagement_event_data.ComplaintRecordedData.from_row(a, complaint_id=record.id),
    )


@handles(engagement_actions.RecordPenalty)
async def record_penalty(step: Step, a: engagement_actions.RecordPenalty) -> None:
    require_stage(step.stage, *IMPLEMENTING_OR_AFTER, step="a penalty")
    record = await step.record(RecordKind.PENALTY, a.decided_on, a, None)
    await step.emit(
        engagement_events.PenaltyRecordedV1,
        engagement_event_data.PenaltyRecordedData.from_row(a, penalty_id=record.id),
    )


@handles(engagement_actions.LogWork)
async def log_work(step: Step, a: engagement_actions.LogWork) -> None:
    require_stage(step.stage, *IMPLEMENTING_OR_AFTER, step="a work log")
    await step.record(RecordKind.WORK_LOG, a.worked_on, a, None)
    await step.emit(
        engagement_events.WorkLoggedV1, engagement_event_data.WorkLoggedData.from_row(a)
    )


@handles(engagement_actions.RecordSurvey)
async def record_survey(step: Step, a: engagement_actions.RecordSurvey) -> None:
    require_stage(step.stage, *IMPLEMENTING_OR_AFTER, step="a satisfaction survey")
    record = await step.record(RecordKind.SATISFACTION_SURVEY, a.conducted_on, a, None)
    await step.emit(
        engagement_events.SurveyRecordedV1,
        engagement_event_data.SurveyRecordedData.from_row(a, survey_id=record.id),
    )
