"""Results (成果, R4.2.4) and the move to evaluation (评价, R4.2.5)."""

from __future__ import annotations

from contracts import workflow as wf
from contracts import workflow_events as we
from services.engagement.workflow.commands.step import Step, handles
from services.engagement.workflow.domain import Stage, require_stage


@handles(wf.CompleteImplementation)
async def complete_implementation(step: Step, a: wf.CompleteImplementation) -> None:
    await step.move_to(Stage.RESULTS)


@handles(wf.HandOver)
async def hand_over(step: Step, a: wf.HandOver) -> None:
    require_stage(step.stage, Stage.RESULTS, step="the handover")
    step.engagement.handed_over_on = a.handed_over_on
    step.engagement.deliverables = list(a.deliverables)
    await step.emit(
        we.HandedOverV1,
        we.HandedOverData(handed_over_on=a.handed_over_on, deliverables=a.deliverables),
    )
    await step.move_to(Stage.EVALUATION)
