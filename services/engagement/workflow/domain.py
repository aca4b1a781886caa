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
from decimal import Decimal
from enum import StrEnum

from contracts.core import Message, ValidationFailed
from contracts.engagement.agreement import (
    AssessmentMethod,
    EvaluatingPartyKind,
    FeeTerms,
    PayRule,
)
from contracts.engagement.enums import (
    EngagementStatus,
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
        allowed = [m.value for m in ServiceMode]
        raise ValidationFailed(
            "service modes must be among: {allowed}",
            field="serviceModes",
            params={"allowed": allowed},
        ) from None
    if not parsed:
        raise ValidationFailed("at least one service mode is required", field="serviceModes")
    # Keep the caller's order, drop repeats.
    return list(dict.fromkeys(parsed))


def valid_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("the period must not end before it starts", field="periodEnd")


def valid_assessment(method: AssessmentMethod) -> AssessmentMethod:
    """考核办法 (R4.2.5): each party named once; an appointed third party names its
    evaluator and no other party does; a joint panel's weights sum to exactly 1."""
    kinds = [p.kind for p in method.parties]
    if len(set(kinds)) != len(kinds):
        raise ValidationFailed("each evaluating party is named once", field="assessment.parties")
    for n, party in enumerate(method.parties):
        third = party.kind == EvaluatingPartyKind.THIRD_PARTY
        if third and party.evaluator_id is None:
            raise ValidationFailed(
                "an appointed third party needs its evaluator",
                field=f"assessment.parties.{n}.evaluatorId",
            )
        if not third and party.evaluator_id is not None:
            raise ValidationFailed(
                "only an appointed third party names an evaluator",
                field=f"assessment.parties.{n}.evaluatorId",
            )
    total = sum((p.weight for p in method.parties), Decimal(0))
    if total != 1:
        raise ValidationFailed(
            "the evaluating parties' weights must sum to 1, not {total}",
            field="assessment.parties",
            params={"total": str(total)},
        )
    return method


def valid_fee_terms(terms: FeeTerms) -> FeeTerms:
    """Pay by results (R3.1-pay) needs fees paid on results and, for the linear rule, a
    score range to grow over."""
    pay = terms.pay_by_results
    if pay is None:
        return terms
    if terms.basis != "on_results":
        raise ValidationFailed("pay by results needs the basis on_results", field="feeTerms.basis")
    if pay.rule == PayRule.LINEAR and pay.full_at <= pay.zero_at:
        raise ValidationFailed(
            "the full fee must be reached above the score that pays nothing",
            field="feeTerms.payByResults.fullAt",
        )
    return terms


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
    acceptance_required: bool = False
    """The agreement lays down an assessment method, so the client accepts first (验收)."""
    results_accepted: bool = False


Guard = Callable[[Facts], list[Message]]


def _to_implementation(f: Facts) -> list[Message]:
    # 签订托管服务合同 (R4.2.2.5) is possible once preparation produced its outputs.
    missing = []
    if f.list_items == 0:
        missing.append(Message("at least one service list item (R4.2.2.1)"))
    if f.team_size == 0:
        missing.append(Message("a service team (R4.2.2.2)"))
    elif f.contracted_team_size is not None and f.team_size < f.contracted_team_size:
        missing.append(
            Message(
                "{count} more team member(s) as contracted",
                {"count": f.contracted_team_size - f.team_size},
            )
        )
    if f.plan_status is not PlanStatus.CONFIRMED:
        missing.append(Message("an implementation plan confirmed by the client (R4.2.2.4)"))
    return missing


def _to_results(f: Facts) -> list[Message]:
    # 完成全部托管服务任务 (R4.2.4.1): every item done or waived with a reason.
    if not f.unfinished_items:
        return []
    if f.unfinished_codes:
        return [
            Message(
                "{count} service list item(s) neither done nor waived ({codes})",
                {"count": f.unfinished_items, "codes": list(f.unfinished_codes)},
            )
        ]
    return [
        Message(
            "{count} service list item(s) neither done nor waived", {"count": f.unfinished_items}
        )
    ]


def _to_evaluation(f: Facts) -> list[Message]:
    # 归档与移交 (R4.2.4.2) comes before acceptance and evaluation (R4.2.5).
    if not f.handed_over:
        return [Message("the handover of deliverables to the unit (R4.2.4.2)")]
    if f.acceptance_required and not f.results_accepted:
        return [Message("the client's acceptance of the results (R4.2.5)")]
    return []


def _to_closed(f: Facts) -> list[Message]:
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
            "an engagement in {from_stage} cannot move to {to_stage}",
            details={"from": facts.stage.value, "to": to.value, "missing": []},
            params={"from_stage": facts.stage.value, "to_stage": to.value},
        )
    missing = guard(facts)
    if missing:
        # `missing` in English as before; `missing_messages` for the gateway to translate.
        raise TransitionNotAllowed(
            "cannot move to {to_stage} yet: {missing}",
            details={
                "from": facts.stage.value,
                "to": to.value,
                "missing": [str(m) for m in missing],
                "missing_messages": [m.to_dict() for m in missing],
            },
            params={"to_stage": to.value, "missing": [str(m) for m in missing]},
        )


def require_stage(stage: Stage, *allowed: Stage, step: str) -> None:
    if stage not in allowed:
        raise WorkflowConflict(
            "{step} is a step of {stages}; the engagement is in {stage}",
            params={"step": step, "stages": [s.value for s in allowed], "stage": stage.value},
        )


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
    raise WorkflowConflict(
        "cannot {action} the implementation plan: it is {state}",
        params={"action": str(action), "state": str(state)},
    )


def next_item_status(current: ListItemStatus, action: ItemMove) -> ListItemStatus:
    match (action, current):
        case (ItemMove.APPROVE, ListItemStatus.PROPOSED):
            return ListItemStatus.OPEN
        case (ItemMove.COMPLETE, ListItemStatus.OPEN):
            return ListItemStatus.DONE
        case (ItemMove.WAIVE, ListItemStatus.OPEN | ListItemStatus.PROPOSED):
            return ListItemStatus.WAIVED
    raise WorkflowConflict(
        "cannot {action} a list item that is {status}",
        params={"action": str(action), "status": current.value},
    )


def is_overdue(status: str, due_date: date | None, today: date) -> bool:
    """A list item is overdue while open past its time node (R4.2.2.1)."""
    return status == ListItemStatus.OPEN and due_date is not None and due_date < today


RECURRENCE_LIMIT = 3  # "more than 3 times in 12 months"
RECURRENCE_WINDOW = timedelta(days=365)


def is_recurring(occurrences_in_window: int) -> bool:
    """A problem raised more than 3 times in 12 months at a unit is flagged."""
    return occurrences_in_window > RECURRENCE_LIMIT


# --- the engagement's lifecycle beside its stages ----------------------------------------

CORRECTIONS = frozenset(
    {
        "correct_record",
        "void_record",
        "correct_list_item",
        "void_list_item",
        "correct_team_member",
        "void_team_member",
        # Evidence completes what was recorded (a photo filed late, a wrong scan
        # detached): it belongs with the corrections, not with new work.
        "attach_evidence",
        "detach_evidence",
    }
)
LIFECYCLE_MOVES = frozenset(
    {"suspend_engagement", "resume_engagement", "terminate_engagement", "cancel_engagement"}
)


def check_status_allows(status: EngagementStatus, action: str) -> None:
    """Which actions an engagement's status lets through. An active engagement takes
    every step; a suspended one only corrections (evidence included) and lifecycle moves
    (resume, terminate, cancel); a terminated one only corrections (its period served
    is still evaluated on its records); a cancelled one nothing."""
    if status is EngagementStatus.ACTIVE or action in LIFECYCLE_MOVES:
        return
    if status is EngagementStatus.SUSPENDED and action in CORRECTIONS:
        return
    if status is EngagementStatus.TERMINATED and action in CORRECTIONS:
        return
    raise WorkflowConflict(
        "the engagement is {status}: this step is not possible",
        params={"status": status.value},
    )


class LifecycleMove(StrEnum):
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"
    CANCEL = "cancel"


RUNNING_STAGES = (Stage.PREPARATION, Stage.IMPLEMENTATION, Stage.RESULTS)
CONTRACTED_STAGES = (Stage.IMPLEMENTATION, Stage.RESULTS)


def next_status(
    status: EngagementStatus, stage: Stage, move: LifecycleMove, contract_signed: bool
) -> EngagementStatus:
    """The status after `move`, or TransitionNotAllowed naming why not.

    Suspension and early termination apply while the service runs (termination after
    the contract; before it, the engagement is cancelled instead); an engagement in
    evaluation or closed has run its course."""
    live = status in (EngagementStatus.ACTIVE, EngagementStatus.SUSPENDED)
    missing: list[Message] = []
    match move:
        case LifecycleMove.SUSPEND:
            target = EngagementStatus.SUSPENDED
            if status is not EngagementStatus.ACTIVE or stage not in RUNNING_STAGES:
                missing.append(Message("an active engagement before evaluation"))
        case LifecycleMove.RESUME:
            target = EngagementStatus.ACTIVE
            if status is not EngagementStatus.SUSPENDED:
                missing.append(Message("a suspended engagement"))
        case LifecycleMove.TERMINATE:
            target = EngagementStatus.TERMINATED
            if not live or stage not in CONTRACTED_STAGES:
                missing.append(
                    Message("a signed contract, in implementation or results (else cancel it)")
                )
        case LifecycleMove.CANCEL:
            target = EngagementStatus.CANCELLED
            if not live or stage is not Stage.PREPARATION or contract_signed:
                missing.append(Message("no contract signed yet (else terminate it)"))
    if missing:
        raise TransitionNotAllowed(
            "cannot {move} an engagement that is {status} in {stage}",
            details={
                "from": status.value,
                "to": target.value,
                "missing": [str(m) for m in missing],
                "missing_messages": [m.to_dict() for m in missing],
            },
            params={"status": status.value, "stage": stage.value, "move": move.value},
        )
    return target


# --- what a recorded activity must satisfy, when recorded and when corrected ----------


def check_inspection(problems_found: int, rectification_plans: int) -> None:
    if rectification_plans > problems_found:
        raise ValidationFailed("more rectification plans than problems", field="rectificationPlans")


def check_emergency(reported_at: object, responded_at: object, closed_at: object) -> None:
    if not reported_at <= responded_at <= closed_at:  # type: ignore[operator]
        raise ValidationFailed("reported ≤ responded ≤ closed must hold", field="respondedAt")
