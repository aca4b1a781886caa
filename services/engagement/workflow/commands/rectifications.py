"""Rectification items (整改) from inspections: plan, owner, due date, verification,
closure; a problem that recurs more than 3 times in 12 months at a unit is flagged."""

from __future__ import annotations

from uuid import UUID

from contracts.core import NotFound, ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement.enums import EvidenceRole, RecordKind, RectificationStatus
from contracts.engagement.errors import WorkflowConflict
from kit.ids import new_id
from services.engagement import clock
from services.engagement.models import Rectification
from services.engagement.workflow import repository
from services.engagement.workflow.commands.implementation import IMPLEMENTING_OR_AFTER
from services.engagement.workflow.commands.step import Step, handles
from services.engagement.workflow.domain import is_recurring, require_stage


async def _get(step: Step, rectification_id: UUID) -> Rectification:
    row = await repository.rectification(step.session, rectification_id)
    if row is None or row.engagement_id != step.engagement.id:
        raise NotFound("no such rectification item in this engagement", field="rectificationId")
    return row


async def _announce(step: Step, row: Rectification, raised: bool) -> None:
    recurrence = await repository.recurrence(step.session, [row])
    data = engagement_event_data.RectificationData(
        rectification_id=row.id,
        problem_key=row.problem_key,
        status=row.status,
        due_date=row.due_date,
        recurring=is_recurring(recurrence[row.id]),
    )
    await step.emit(
        engagement_events.RectificationRaisedV1
        if raised
        else engagement_events.RectificationUpdatedV1,
        data,
    )


@handles(engagement_actions.RaiseRectification)
async def raise_rectification(step: Step, a: engagement_actions.RaiseRectification) -> None:
    require_stage(step.stage, *IMPLEMENTING_OR_AFTER, step="a rectification item")
    if a.inspection_record_id is not None:
        record = await repository.service_record(step.session, a.inspection_record_id)
        if (
            record is None
            or record.engagement_id != step.engagement.id
            or record.kind != RecordKind.INSPECTION
        ):
            raise ValidationFailed(
                "not an inspection of this engagement", field="inspectionRecordId"
            )
    row = Rectification(
        id=new_id(),
        engagement_id=step.engagement.id,
        unit_id=step.engagement.unit_id,
        inspection_record_id=a.inspection_record_id,
        problem_key=a.problem_key.strip(),
        description=a.description,
        plan=a.plan,
        owner=a.owner,
        due_date=a.due_date,
        status=RectificationStatus.OPEN,
        raised_on=clock.today(),
        closed_on=None,
        notes=[],
    )
    step.session.add(row)
    await step.session.flush()
    await step.link_evidence(row.id, EvidenceRole.BEFORE)  # 整改前: the problem as found
    await _announce(step, row, raised=True)


@handles(engagement_actions.ReportRectified)
async def report_rectified(step: Step, a: engagement_actions.ReportRectified) -> None:
    row = await _get(step, a.rectification_id)
    if row.status != RectificationStatus.OPEN:
        raise WorkflowConflict(
            "the rectification item is {status}, not open", params={"status": row.status}
        )
    row.status = RectificationStatus.RECTIFIED
    row.notes = [*row.notes, f"rectified: {a.note}"]
    await step.link_evidence(row.id, EvidenceRole.AFTER)  # 整改后: the work done
    await _announce(step, row, raised=False)


@handles(engagement_actions.VerifyRectification)
async def verify_rectification(step: Step, a: engagement_actions.VerifyRectification) -> None:
    row = await _get(step, a.rectification_id)
    if row.status != RectificationStatus.RECTIFIED:
        raise WorkflowConflict(
            "the rectification item is {status}; verify it once rectified",
            params={"status": row.status},
        )
    if a.passed:
        row.status, row.closed_on = RectificationStatus.CLOSED, clock.today()
    else:
        row.status = RectificationStatus.OPEN  # back to the owner with the reason
    row.notes = [*row.notes, f"{'verified' if a.passed else 'rejected'}: {a.note}"]
    await _announce(step, row, raised=False)
