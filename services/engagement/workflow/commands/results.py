"""Results (成果, R4.2.4) and the move to evaluation (评价, R4.2.5)."""

from __future__ import annotations

from contracts.engagement import actions as engagement_actions
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement.enums import Stage
from services.engagement.workflow.commands.step import Step, handles
from services.engagement.workflow.domain import require_stage


@handles(engagement_actions.CompleteImplementation)
async def complete_implementation(step: Step, a: engagement_actions.CompleteImplementation) -> None:
    await step.move_to(Stage.RESULTS)


@handles(engagement_actions.HandOver)
async def hand_over(step: Step, a: engagement_actions.HandOver) -> None:
    require_stage(step.stage, Stage.RESULTS, step="the handover")
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
    await step.move_to(Stage.EVALUATION)
