"""Results (成果, R4.2.4), the client's acceptance (验收) and the move to evaluation
(评价, R4.2.5)."""

from __future__ import annotations

from contracts.core import ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement.enums import Stage
from contracts.engagement.errors import WorkflowConflict
from services.engagement.workflow.commands.step import Step, handles
from services.engagement.workflow.domain import require_stage


@handles(engagement_actions.CompleteImplementation)
async def complete_implementation(step: Step, a: engagement_actions.CompleteImplementation) -> None:
    await step.move_to(Stage.RESULTS)


@handles(engagement_actions.HandOver)
async def hand_over(step: Step, a: engagement_actions.HandOver) -> None:
    require_stage(step.stage, Stage.RESULTS, step="the handover")
    if step.engagement.handed_over_on is not None:
        raise WorkflowConflict("the results are handed over and await the client's acceptance")
    step.engagement.handed_over_on = a.handed_over_on
    # The gateway had the archive check these items and waivers (HANDOVER_CHECK); the
    # archive records its handover from this event, so the stage change and the
    # handover are one commit here and cannot disagree.
    step.engagement.deliverables = [str(item) for item in a.deliverables]
    await step.emit(
        engagement_events.HandedOverV1,
        engagement_event_data.HandedOverData(
            handed_over_on=a.handed_over_on, deliverables=a.deliverables, waivers=a.waivers
        ),
    )
    if step.engagement.assessment is None:
        # No assessment method recorded (agreements from before it was): evaluation
        # opens at the handover, as it always did.
        await step.move_to(Stage.EVALUATION)


@handles(engagement_actions.DecideResults)
async def decide_results(step: Step, a: engagement_actions.DecideResults) -> None:
    """验收 (R4.2.5): the client accepts the handed-over results, which opens evaluation,
    or returns them with reasons; the agency then hands over again."""
    require_stage(step.stage, Stage.RESULTS, step="accepting the results")
    if step.engagement.handed_over_on is None:
        raise WorkflowConflict("the results have not been handed over yet")
    if a.accept:
        step.engagement.results_accepted_on = a.decided_on
        await step.emit(
            engagement_events.ResultsAcceptedV1,
            engagement_event_data.ResultsAcceptedData(accepted_on=a.decided_on),
        )
        await step.move_to(Stage.EVALUATION)
        return
    reasons = (a.reasons or "").strip()
    if not reasons:
        raise ValidationFailed("returning the results needs its reasons", field="reasons")
    step.engagement.handed_over_on = None
    step.engagement.deliverables = []
    await step.emit(
        engagement_events.ResultsReturnedV1,
        engagement_event_data.ResultsReturnedData(returned_on=a.decided_on, reasons=reasons),
    )
