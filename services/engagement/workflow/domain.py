"""The hosting-service workflow of figure 1 as one state machine, and the rules of an
engagement's inputs. Pure: no I/O.

Stages move only along `TRANSITIONS`; each arm's guard names what is still
missing, so a refused step tells the user what to do next. Steps inside a stage
(plan versions, list items, rectifications) have their own small rules below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from contracts.core import ValidationFailed
from contracts.engagement.enums import (
    ListItemStatus,
    PlanStatus,
    ServiceMode,
    Stage,
)
from contracts.engagement.errors import TransitionNotAllowed, WorkflowConflict


def valid_service_modes(modes: Sequence[str]) -> list[ServiceMode]:
    try:
        parsed = [ServiceMode(m) for m in modes]
    except ValueError:
        allowed = ", ".join(m.value for m in ServiceMode)
        raise ValidationFailed(
            f"service modes must be among: {allowed}", field="serviceModes"
        ) from None
    if not parsed:
        raise ValidationFailed("at least one service mode is required", field="serviceModes")
    # Keep the caller's order, drop repeats.
    return list(dict.fromkeys(parsed))


def valid_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("the period must not end before it starts", field="periodEnd")


@dataclass(frozen=True)
class Facts:
    """What the stage guards look at, gathered by the repository."""

    stage: Stage
    list_items: int
    unfinished_items: int
    team_size: int
    contracted_team_size: int | None
    plan_status: PlanStatus | None
    checklist_missing: int
    handed_over: bool
    unfinished_codes: tuple[str, ...] = ()
    """Catalogue codes of the unfinished items, to name them when refusing."""


Guard = Callable[[Facts], list[str]]


def _to_implementation(f: Facts) -> list[str]:
    # 签订托管服务合同 (R4.2.2.5) is possible once preparation produced its outputs.
    missing = []
    if f.list_items == 0:
        missing.append("at least one service list item (R4.2.2.1)")
    if f.team_size == 0:
        missing.append("a service team (R4.2.2.2)")
    elif f.contracted_team_size is not None and f.team_size < f.contracted_team_size:
        missing.append(f"{f.contracted_team_size - f.team_size} more team member(s) as contracted")
    if f.plan_status is not PlanStatus.CONFIRMED:
        missing.append("an implementation plan confirmed by the client (R4.2.2.4)")
    return missing


def _to_results(f: Facts) -> list[str]:
    # 完成全部托管服务任务 (R4.2.4.1): every item done or waived with a reason.
    if f.unfinished_items:
        named = f" ({', '.join(f.unfinished_codes)})" if f.unfinished_codes else ""
        return [f"{f.unfinished_items} service list item(s) neither done nor waived{named}"]
    return []


def _to_evaluation(f: Facts) -> list[str]:
    # 归档与移交 (R4.2.4.2) comes before acceptance and evaluation (R4.2.5).
    return [] if f.handed_over else ["the handover of deliverables to the unit (R4.2.4.2)"]


def _to_closed(f: Facts) -> list[str]:
    return []  # reached when the evaluation service finalises the scorecard


TRANSITIONS: dict[tuple[Stage, Stage], Guard] = {
    (Stage.PREPARATION, Stage.IMPLEMENTATION): _to_implementation,
    (Stage.IMPLEMENTATION, Stage.RESULTS): _to_results,
    (Stage.RESULTS, Stage.EVALUATION): _to_evaluation,
    (Stage.EVALUATION, Stage.CLOSED): _to_closed,
}


def check_transition(facts: Facts, to: Stage) -> None:
    """Raise TransitionNotAllowed naming what is missing, or return if the move is allowed."""
    guard = TRANSITIONS.get((facts.stage, to))
    if guard is None:
        raise TransitionNotAllowed(
            f"an engagement in {facts.stage.value} cannot move to {to.value}",
            details={"from": facts.stage.value, "to": to.value, "missing": []},
        )
    missing = guard(facts)
    if missing:
        raise TransitionNotAllowed(
            f"cannot move to {to.value} yet: " + "; ".join(missing),
            details={"from": facts.stage.value, "to": to.value, "missing": missing},
        )


def require_stage(stage: Stage, *allowed: Stage, step: str) -> None:
    if stage not in allowed:
        names = " or ".join(s.value for s in allowed)
        raise WorkflowConflict(f"{step} is a step of {names}; the engagement is in {stage.value}")


class PlanMove(StrEnum):
    """What is done to the implementation plan (实施方案)."""

    DRAFT = "draft"
    SUBMIT = "submit"
    CONFIRM = "confirm"
    OBJECT = "object"


class ItemMove(StrEnum):
    """What is done to a service list item."""

    APPROVE = "approve"
    COMPLETE = "complete"
    WAIVE = "waive"


def next_plan_action(latest: PlanStatus | None, action: PlanMove) -> PlanStatus:
    """The plan status after `action` (draft, submit, confirm, object) from `latest`.

    A draft may be edited until submitted; a submitted plan waits for the client;
    an objection opens the way for a new version; a confirmed plan is final.
    """
    match (action, latest):
        case (PlanMove.DRAFT, None | PlanStatus.OBJECTED | PlanStatus.DRAFT):
            return PlanStatus.DRAFT
        case (PlanMove.SUBMIT, PlanStatus.DRAFT):
            return PlanStatus.SUBMITTED
        case (PlanMove.CONFIRM, PlanStatus.SUBMITTED):
            return PlanStatus.CONFIRMED
        case (PlanMove.OBJECT, PlanStatus.SUBMITTED):
            return PlanStatus.OBJECTED
    state = latest.value if latest else "no plan"
    raise WorkflowConflict(f"cannot {action} the implementation plan: it is {state}")


def next_item_status(current: ListItemStatus, action: ItemMove) -> ListItemStatus:
    match (action, current):
        case (ItemMove.APPROVE, ListItemStatus.PROPOSED):
            return ListItemStatus.OPEN
        case (ItemMove.COMPLETE, ListItemStatus.OPEN):
            return ListItemStatus.DONE
        case (ItemMove.WAIVE, ListItemStatus.OPEN | ListItemStatus.PROPOSED):
            return ListItemStatus.WAIVED
    raise WorkflowConflict(f"cannot {action} a list item that is {current.value}")


def is_overdue(status: str, due_date: date | None, today: date) -> bool:
    """A list item is overdue while open past its time node (R4.2.2.1)."""
    return status == ListItemStatus.OPEN and due_date is not None and due_date < today


RECURRENCE_LIMIT = 3  # "more than 3 times in 12 months"
RECURRENCE_WINDOW = timedelta(days=365)


def is_recurring(occurrences_in_window: int) -> bool:
    """A problem raised more than 3 times in 12 months at a unit is flagged."""
    return occurrences_in_window > RECURRENCE_LIMIT
