"""The state machine of figure 1 (pure rules): only the table's moves, guards that name
what is missing, plan and list-item sub-steps."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.engagement.enums import ListItemStatus, PlanStatus, Stage
from contracts.engagement.errors import TransitionNotAllowed, WorkflowConflict
from services.engagement.workflow.domain import (
    TRANSITIONS,
    Facts,
    PlanMove,
    check_transition,
    next_item_status,
    next_plan_action,
)

facts_strategy = st.builds(
    Facts,
    stage=st.sampled_from(Stage),
    list_items=st.integers(0, 5),
    unfinished_items=st.integers(0, 5),
    team_size=st.integers(0, 5),
    contracted_team_size=st.none() | st.integers(1, 5),
    plan_status=st.none() | st.sampled_from(PlanStatus),
    checklist_missing=st.integers(0, 25),
    handed_over=st.booleans(),
)


@given(facts_strategy, st.sampled_from(Stage))
def test_R4_2_only_transitions_in_the_table_are_ever_allowed(facts: Facts, to: Stage):
    refusal: TransitionNotAllowed | None = None
    try:
        check_transition(facts, to)
    except TransitionNotAllowed as exc:
        refusal = exc
    if refusal is None:
        assert (facts.stage, to) in TRANSITIONS
        return
    assert (refusal.details["from"], refusal.details["to"]) == (facts.stage.value, to.value)
    if (facts.stage, to) in TRANSITIONS:
        assert refusal.details["missing"], "a refused allowed move names what is missing"


@given(st.lists(st.sampled_from(["draft", "submit", "confirm", "object"]), max_size=12))
def test_R4_2_2_4_plan_actions_follow_the_table(actions: list[str]):
    status: PlanStatus | None = None
    for action in actions:
        try:
            new = next_plan_action(status, PlanMove(action))
        except WorkflowConflict:
            continue
        allowed = {
            ("draft", None), ("draft", PlanStatus.OBJECTED), ("draft", PlanStatus.DRAFT),
            ("submit", PlanStatus.DRAFT), ("confirm", PlanStatus.SUBMITTED),
            ("object", PlanStatus.SUBMITTED),
        }  # fmt: skip
        assert (action, status) in allowed
        assert status is not PlanStatus.CONFIRMED  # a confirmed plan is final
        status = new


READY = Facts(
    stage=Stage.PREPARATION,
    list_items=2,
    unfinished_items=2,
    team_size=3,
    contracted_team_size=3,
    plan_status=PlanStatus.CONFIRMED,
    checklist_missing=0,
    handed_over=False,
)


def ready(**overrides: Any) -> Facts:
    return dataclasses.replace(READY, **overrides)


def test_R4_2_2_5_contract_signing_names_every_missing_output():
    with pytest.raises(TransitionNotAllowed) as info:
        check_transition(
            ready(list_items=0, team_size=1, plan_status=PlanStatus.OBJECTED),
            Stage.IMPLEMENTATION,
        )
    missing = info.value.details["missing"]
    assert len(missing) == 3
    assert "service list item" in missing[0]
    assert "2 more team member(s)" in missing[1]
    assert "confirmed by the client" in missing[2]
    check_transition(ready(), Stage.IMPLEMENTATION)  # all present: allowed


def test_R4_2_4_1_results_need_every_item_done_or_waived():
    with pytest.raises(TransitionNotAllowed, match="1 service list item"):
        check_transition(ready(stage=Stage.IMPLEMENTATION, unfinished_items=1), Stage.RESULTS)
    check_transition(ready(stage=Stage.IMPLEMENTATION, unfinished_items=0), Stage.RESULTS)


def test_R4_2_4_2_evaluation_needs_the_handover():
    with pytest.raises(TransitionNotAllowed, match="handover"):
        check_transition(ready(stage=Stage.RESULTS), Stage.EVALUATION)
    check_transition(ready(stage=Stage.RESULTS, handed_over=True), Stage.EVALUATION)


def test_R4_2_no_skipping_and_no_going_back():
    with pytest.raises(TransitionNotAllowed):
        check_transition(ready(), Stage.RESULTS)
    with pytest.raises(TransitionNotAllowed):
        check_transition(ready(stage=Stage.RESULTS, handed_over=True), Stage.IMPLEMENTATION)


@pytest.mark.parametrize(
    ("status", "action", "result"),
    [
        (ListItemStatus.PROPOSED, "approve", ListItemStatus.OPEN),
        (ListItemStatus.OPEN, "complete", ListItemStatus.DONE),
        (ListItemStatus.OPEN, "waive", ListItemStatus.WAIVED),
        (ListItemStatus.PROPOSED, "waive", ListItemStatus.WAIVED),
    ],
)
def test_R5_2_list_item_steps(status, action, result):
    assert next_item_status(status, action) is result


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (ListItemStatus.DONE, "complete"),
        (ListItemStatus.OPEN, "approve"),
        (ListItemStatus.PROPOSED, "complete"),
    ],
)
def test_R5_2_list_item_steps_out_of_order_are_conflicts(status, action):
    with pytest.raises(WorkflowConflict):
        next_item_status(status, action)


def test_every_action_of_the_command_has_exactly_one_step():
    from typing import get_args

    from contracts.engagement import actions as engagement_actions
    from services.engagement.workflow.commands.act import STEP_MODULES
    from services.engagement.workflow.commands.step import HANDLERS

    union = get_args(get_args(engagement_actions.Action)[0])
    assert STEP_MODULES
    assert set(HANDLERS) == set(union)
