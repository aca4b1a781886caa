"""The engagement's lifecycle beside its stages: suspended (暂停) and resumed, terminated
early (提前终止), cancelled before the contract (撤销). The rules are
`domain.next_status` and `domain.check_status_allows`; what each means for open items and
the evaluation is in docs/api.md ("Suspension, early termination, cancellation").

- Suspended: no steps but corrections; the overdue scan skips its list items and
  rectifications; time nodes are not moved, so an item whose time node passed during
  the suspension is announced at the first scan after resuming.
- Terminated: the period served ends on the termination date; the engagement moves
  straight to evaluation (the evaluation service evaluates the period served); open
  list items and rectifications stay as they are, visible, and are never announced
  overdue again; only corrections remain possible until the scorecard closes it.
- Cancelled: only in preparation before the contract; nothing more can be done, it is
  never evaluated, and it stays readable (with its trace) as cancelled.
"""

from __future__ import annotations

from contracts.core import ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement.enums import EngagementStatus
from services.engagement import clock
from services.engagement.revisions import reason_given
from services.engagement.workflow.commands.step import Step, handles
from services.engagement.workflow.domain import LifecycleMove, next_status


def _status(step: Step, move: LifecycleMove) -> EngagementStatus:
    e = step.engagement
    return next_status(
        EngagementStatus(e.status), step.stage, move, e.contract_signed_on is not None
    )


def _data(step: Step, by_agreement: bool | None = None) -> engagement_event_data.LifecycleData:
    e = step.engagement
    return engagement_event_data.LifecycleData(
        engagement_id=e.id,
        status=EngagementStatus(e.status),
        reason=e.status_reason,
        on=e.status_on,
        by_agreement=by_agreement,
        stage=step.stage,
    )


@handles(engagement_actions.SuspendEngagement)
async def suspend(step: Step, a: engagement_actions.SuspendEngagement) -> None:
    status = _status(step, LifecycleMove.SUSPEND)
    reason = reason_given(a.reason)
    e = step.engagement
    e.status, e.status_reason, e.status_on = status, reason, a.suspended_from
    await step.emit(engagement_events.EngagementSuspendedV1, _data(step))


@handles(engagement_actions.ResumeEngagement)
async def resume(step: Step, a: engagement_actions.ResumeEngagement) -> None:
    status = _status(step, LifecycleMove.RESUME)
    e = step.engagement
    if e.status_on is not None and a.resumed_on < e.status_on:
        raise ValidationFailed("an engagement resumes after its suspension", field="resumedOn")
    e.status, e.status_reason, e.status_on = status, None, a.resumed_on
    await step.emit(engagement_events.EngagementResumedV1, _data(step))


@handles(engagement_actions.TerminateEngagement)
async def terminate(step: Step, a: engagement_actions.TerminateEngagement) -> None:
    status = _status(step, LifecycleMove.TERMINATE)
    reason = reason_given(a.reason)
    e = step.engagement
    signed = e.contract_signed_on
    if (signed is not None and a.terminated_on < signed) or a.terminated_on > e.period_end:
        raise ValidationFailed(
            "the termination date lies between the contract and the period's end",
            field="terminatedOn",
        )
    e.status, e.status_reason, e.status_on = status, reason, a.terminated_on
    e.terminated_by_agreement = a.by_agreement
    # The termination first: the evaluation service learns the period served before
    # the stage change that opens its scorecard (one consumer, in order).
    await step.emit(engagement_events.EngagementTerminatedV1, _data(step, a.by_agreement))
    await step.end_early()


@handles(engagement_actions.CancelEngagement)
async def cancel(step: Step, a: engagement_actions.CancelEngagement) -> None:
    status = _status(step, LifecycleMove.CANCEL)
    reason = reason_given(a.reason)
    e = step.engagement
    e.status, e.status_reason, e.status_on = status, reason, clock.today()
    await step.emit(engagement_events.EngagementCancelledV1, _data(step))
