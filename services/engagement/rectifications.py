"""Rectification items (整改) from inspections: plan, owner, due date, verification,
closure; a problem that recurs more than 3 times in 12 months at a unit is flagged."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import NotFound, ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as we
from contracts.engagement import rpc_workflow as wf
from contracts.engagement.errors import WorkflowConflict
from kit.ids import new_id
from services.engagement import clock
from services.engagement.implementation import IMPLEMENTING_OR_AFTER
from services.engagement.models import Rectification, ServiceRecord
from services.engagement.step import Step, handles
from services.engagement.workflow import require_stage

OPEN, RECTIFIED, CLOSED = "open", "rectified", "closed"
RECURRENCE_LIMIT = 3  # "more than 3 times in 12 months"
RECURRENCE_WINDOW = timedelta(days=365)


async def occurrences(session: AsyncSession, unit_id: object, problem_key: str, on: date) -> int:
    """How often the unit had this problem in the 12 months up to `on`."""
    count = await session.scalar(
        select(func.count()).where(
            Rectification.unit_id == unit_id,
            Rectification.problem_key == problem_key,
            Rectification.raised_on > on - RECURRENCE_WINDOW,
            Rectification.raised_on <= on,
        )
    )
    return int(count or 0)


async def _get(step: Step, rectification_id: object) -> Rectification:
    row = await step.session.get(Rectification, rectification_id)
    if row is None or row.engagement_id != step.engagement.id:
        raise NotFound("no such rectification item in this engagement", field="rectificationId")
    return row


async def _announce(step: Step, row: Rectification, raised: bool) -> None:
    recurring = await occurrences(step.session, row.unit_id, row.problem_key, row.raised_on)
    data = engagement_event_data.RectificationData(
        rectification_id=row.id,
        problem_key=row.problem_key,
        status=row.status,
        due_date=row.due_date,
        recurring=recurring > RECURRENCE_LIMIT,
    )
    await step.emit(we.RectificationRaisedV1 if raised else we.RectificationUpdatedV1, data)


@handles(engagement_actions.RaiseRectification)
async def raise_rectification(step: Step, a: engagement_actions.RaiseRectification) -> None:
    require_stage(step.stage, *IMPLEMENTING_OR_AFTER, step="a rectification item")
    if a.inspection_record_id is not None:
        record = await step.session.get(ServiceRecord, a.inspection_record_id)
        if (
            record is None
            or record.engagement_id != step.engagement.id
            or record.kind != "inspection"
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
        status=OPEN,
        raised_on=clock.today(),
        closed_on=None,
        notes=[],
    )
    step.session.add(row)
    await step.session.flush()
    await _announce(step, row, raised=True)


@handles(engagement_actions.ReportRectified)
async def report_rectified(step: Step, a: engagement_actions.ReportRectified) -> None:
    row = await _get(step, a.rectification_id)
    if row.status != OPEN:
        raise WorkflowConflict(f"the rectification item is {row.status}, not open")
    row.status = RECTIFIED
    row.notes = [*row.notes, f"rectified: {a.note}"]
    await _announce(step, row, raised=False)


@handles(engagement_actions.VerifyRectification)
async def verify_rectification(step: Step, a: engagement_actions.VerifyRectification) -> None:
    row = await _get(step, a.rectification_id)
    if row.status != RECTIFIED:
        raise WorkflowConflict(f"the rectification item is {row.status}; verify it once rectified")
    if a.passed:
        row.status, row.closed_on = CLOSED, clock.today()
    else:
        row.status = OPEN  # back to the owner with the reason
    row.notes = [*row.notes, f"{'verified' if a.passed else 'rejected'}: {a.note}"]
    await _announce(step, row, raised=False)


def view(row: Rectification, occurrences_in_window: int, today: date) -> wf.RectificationView:
    return wf.RectificationView(
        id=row.id,
        problem_key=row.problem_key,
        description=row.description,
        plan=row.plan,
        owner=row.owner,
        due_date=row.due_date,
        status=row.status,
        raised_on=row.raised_on,
        closed_on=row.closed_on,
        notes=list(row.notes or []),
        overdue=row.status != CLOSED and row.due_date < today,
        recurring=occurrences_in_window > RECURRENCE_LIMIT,
    )
