"""The workflow steps (figure 1): one function per action, dispatched by `act`.

Each step runs in the caller's transaction, checks the state machine first, writes
its rows, and records the events other services act on. A refused step raises
before writing anything, so the transaction has nothing to roll back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import events as ev
from contracts import workflow as wf
from contracts import workflow_events as we
from contracts.base import Contract
from contracts.errors import EngagementNotFound, ListItemNotFound, WorkflowConflict
from contracts.rpc import EngagementView
from kit.errors import ValidationFailed
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.engagement import repository
from services.engagement.domain import Stage
from services.engagement.models import (
    CatalogueItem,
    ChecklistEntry,
    Engagement,
    ListItem,
    PlanVersion,
    ServiceRecord,
    TeamMemberRow,
    messaging,
)
from services.engagement.seed import catalogue_v1
from services.engagement.service import engagement_view
from services.engagement.workflow import (
    Facts,
    ItemStatus,
    PlanStatus,
    check_transition,
    next_item_status,
    next_plan_action,
    require_stage,
)


class Step:
    """What a step function receives: the locked engagement and how to emit events."""

    def __init__(self, session: AsyncSession, engagement: Engagement, ctx: CallContext) -> None:
        self.session = session
        self.engagement = engagement
        self.ctx = ctx

    @property
    def stage(self) -> Stage:
        return Stage(self.engagement.status)

    async def emit(self, cls: type[ev.EventEnvelope], data: Contract) -> None:
        event = make_event(cls, self.ctx, data, engagement_id=self.engagement.id)
        await record_event(self.session, messaging, event)

    async def move_to(self, to: Stage) -> None:
        check_transition(await facts(self.session, self.engagement), to)
        old = self.engagement.status
        self.engagement.status = to.value
        await self.emit(
            we.StageChangedV1,
            we.StageChangedData(
                engagement_id=self.engagement.id, from_stage=old, to_stage=to.value
            ),
        )

    async def record(self, kind: str, on: date, action: Contract, item: ListItem | None) -> None:
        details = action.model_dump(mode="json", exclude={"action", "list_item_id"})
        self.session.add(
            ServiceRecord(
                id=new_id(),
                engagement_id=self.engagement.id,
                kind=kind,
                list_item_id=item.id if item else None,
                occurred_on=on,
                details=details,
                recorded_by=self.ctx.actor,
                recorded_at=datetime.now(UTC),
            )
        )


async def act(session: AsyncSession, req: wf.ActRequest, ctx: CallContext) -> EngagementView:
    """Apply one workflow action to an engagement the caller may see."""
    found = await repository.engagements_by_ids(session, [req.engagement_id], req.scope)
    if req.engagement_id not in found:
        raise EngagementNotFound("no such engagement", field="engagementId")
    engagement, region = found[req.engagement_id]
    await repository.lock_engagement(session, engagement.id)
    step = Step(session, engagement, ctx)
    handler = _HANDLERS[type(req.action)]
    await handler(step, req.action)
    await session.flush()
    return engagement_view(engagement, region)


async def facts(session: AsyncSession, engagement: Engagement) -> Facts:
    items = (
        await session.execute(
            select(ListItem.status, func.count())
            .where(ListItem.engagement_id == engagement.id)
            .group_by(ListItem.status)
        )
    ).all()
    by_status = {status: n for status, n in items}
    team = await session.scalar(
        select(func.count()).where(TeamMemberRow.engagement_id == engagement.id)
    )
    latest = await _latest_plan(session, engagement)
    missing = await session.scalar(
        select(func.count()).where(
            ChecklistEntry.engagement_id == engagement.id, ChecklistEntry.status == "pending"
        )
    )
    counted = sum(n for s, n in by_status.items() if s != ItemStatus.PROPOSED)
    return Facts(
        stage=Stage(engagement.status),
        list_items=counted,
        unfinished_items=by_status.get(ItemStatus.OPEN.value, 0),
        team_size=int(team or 0),
        contracted_team_size=engagement.contracted_team_size,
        plan_status=PlanStatus(latest.status) if latest else None,
        checklist_missing=int(missing or 0),
        handed_over=engagement.handed_over_on is not None,
    )


async def _latest_plan(session: AsyncSession, engagement: Engagement) -> PlanVersion | None:
    return await session.scalar(
        select(PlanVersion)
        .where(PlanVersion.engagement_id == engagement.id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )


async def _item(step: Step, item_id: Any) -> ListItem:
    item = await step.session.get(ListItem, item_id)
    if item is None or item.engagement_id != step.engagement.id:
        raise ListItemNotFound("no such list item in this engagement", field="itemId")
    return item


# --- preparation (准备) -----------------------------------------------------------------


async def add_list_item(step: Step, a: wf.AddListItem) -> None:
    require_stage(step.stage, Stage.PREPARATION, Stage.IMPLEMENTATION, step="adding a list item")
    entry = await step.session.get(CatalogueItem, (catalogue_v1.VERSION, a.catalogue_code))
    if entry is None:
        raise ValidationFailed(f"no catalogue item {a.catalogue_code}", field="catalogueCode")
    # During implementation only customised items may be added, by a change request
    # the client approves (R5.2); in preparation the list is still being agreed.
    during = step.stage is Stage.IMPLEMENTATION
    if during and entry.kind != "customised":
        raise WorkflowConflict("only customised (6.2) items can be added during implementation")
    item = ListItem(
        id=new_id(),
        engagement_id=step.engagement.id,
        catalogue_code=entry.code,
        scope=a.scope,
        expected_effect=a.expected_effect,
        target=a.target,
        contracted_quantity=a.contracted_quantity,
        quantity_unit=a.quantity_unit,
        due_date=a.due_date,
        customised=entry.kind == "customised",
        status=(ItemStatus.PROPOSED if during else ItemStatus.OPEN).value,
        waived_reason=None,
        created_at=datetime.now(UTC),
    )
    step.session.add(item)
    if not during:
        await _announce_item(step, item, entry.name_zh)


async def _announce_item(step: Step, item: ListItem, title: str) -> None:
    await step.emit(
        we.ListItemAddedV1,
        we.ListItemAddedData(
            item_id=item.id,
            catalogue_code=item.catalogue_code,
            title=title,
            contracted_quantity=item.contracted_quantity,
            quantity_unit=item.quantity_unit,
            due_date=item.due_date,
            customised=item.customised,
        ),
    )


async def approve_list_item(step: Step, a: wf.ApproveListItem) -> None:
    item = await _item(step, a.item_id)
    item.status = next_item_status(ItemStatus(item.status), "approve").value
    entry = await step.session.get(CatalogueItem, (catalogue_v1.VERSION, item.catalogue_code))
    await _announce_item(step, item, entry.name_zh if entry else item.catalogue_code)


async def finish_list_item(step: Step, a: wf.FinishListItem) -> None:
    require_stage(step.stage, Stage.IMPLEMENTATION, step="finishing a list item")
    item = await _item(step, a.item_id)
    waive = a.waived_reason is not None
    if waive and not a.waived_reason.strip():  # type: ignore[union-attr]
        raise ValidationFailed("a waiver needs a reason", field="waivedReason")
    item.status = next_item_status(ItemStatus(item.status), "waive" if waive else "complete").value
    item.waived_reason = a.waived_reason


async def form_team(step: Step, a: wf.FormTeam) -> None:
    require_stage(step.stage, Stage.PREPARATION, Stage.IMPLEMENTATION, step="forming the team")
    existing = await step.session.scalars(
        select(TeamMemberRow).where(TeamMemberRow.engagement_id == step.engagement.id)
    )
    for row in existing:
        await step.session.delete(row)
    for m in a.members:
        step.session.add(
            TeamMemberRow(
                id=new_id(),
                engagement_id=step.engagement.id,
                person_id=m.person_id,
                name=m.name,
                role=m.role,
                qualification=m.qualification,
            )
        )
    step.engagement.contracted_team_size = a.contracted_size
    await step.emit(
        we.TeamFormedV1, we.TeamFormedData(contracted_size=a.contracted_size, members=a.members)
    )


async def record_site_survey(step: Step, a: wf.RecordSiteSurvey) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="a site survey")
    await step.record("site_survey", a.surveyed_on, a, None)


async def update_checklist_item(step: Step, a: wf.UpdateChecklistItem) -> None:
    entry = await step.session.get(ChecklistEntry, (step.engagement.id, a.code))
    if entry is None:
        raise ValidationFailed(f"no Appendix A item {a.code}", field="code")
    if a.status == "received" and not a.document_ref:
        raise ValidationFailed(
            "a received document needs its archive reference", field="documentRef"
        )
    entry.status = a.status
    entry.document_ref = a.document_ref if a.status == "received" else None


async def draft_plan(step: Step, a: wf.DraftPlan) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="drafting the plan")
    latest = await _latest_plan(step.session, step.engagement)
    status = next_plan_action(PlanStatus(latest.status) if latest else None, "draft")
    if latest is not None and latest.status == PlanStatus.DRAFT.value:
        latest.content = a.content  # a draft is edited in place until submitted
        return
    step.session.add(
        PlanVersion(
            id=new_id(),
            engagement_id=step.engagement.id,
            version=(latest.version + 1) if latest else 1,
            status=status.value,
            content=a.content,
        )
    )


async def _decide(step: Step, action: str, reasons: str | None = None) -> None:
    latest = await _latest_plan(step.session, step.engagement)
    status = next_plan_action(PlanStatus(latest.status) if latest else None, action)
    assert latest is not None  # next_plan_action refuses every action on no plan but draft
    latest.status = status.value
    now = datetime.now(UTC)
    if action == "submit":
        latest.submitted_at = now
    else:
        latest.decided_at, latest.decided_by, latest.objection_reasons = (
            now,
            step.ctx.actor,
            reasons,
        )


async def submit_plan(step: Step, a: wf.SubmitPlan) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="submitting the plan")
    await _decide(step, "submit")


async def decide_plan(step: Step, a: wf.DecidePlan) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="deciding on the plan")
    if not a.confirm and not (a.reasons and a.reasons.strip()):
        raise ValidationFailed("an objection needs its reasons", field="reasons")
    await _decide(step, "confirm" if a.confirm else "object", None if a.confirm else a.reasons)


async def record_consultation(step: Step, a: wf.RecordConsultation) -> None:
    require_stage(step.stage, Stage.PREPARATION, Stage.IMPLEMENTATION, step="an expert meeting")
    await step.record("expert_consultation", a.held_on, a, None)


async def sign_contract(step: Step, a: wf.SignContract) -> None:
    await step.move_to(Stage.IMPLEMENTATION)
    step.engagement.contract_signed_on = a.signed_on


# --- implementation (实施): activities that are evidence for Appendix C ----------------


async def _linked_item(step: Step, item_id: Any) -> ListItem | None:
    return None if item_id is None else await _item(step, item_id)


async def record_inspection(step: Step, a: wf.RecordInspection) -> None:
    require_stage(step.stage, Stage.IMPLEMENTATION, step="an inspection")
    if a.rectification_plans > a.problems_found:
        raise ValidationFailed("more rectification plans than problems", field="rectificationPlans")
    item = await _linked_item(step, a.list_item_id)
    await step.record("inspection", a.performed_on, a, item)
    await step.emit(
        we.InspectionCompletedV1,
        we.InspectionCompletedData(
            inspection_id=new_id(),
            list_item_id=a.list_item_id,
            performed_on=a.performed_on,
            problems_found=a.problems_found,
            rectification_plans=a.rectification_plans,
        ),
    )


async def record_training(step: Step, a: wf.RecordTraining) -> None:
    require_stage(step.stage, Stage.IMPLEMENTATION, step="a training")
    item = await _linked_item(step, a.list_item_id)
    await step.record("training", a.held_on, a, item)
    await step.emit(
        we.TrainingHeldV1,
        we.TrainingHeldData(
            training_id=new_id(),
            list_item_id=a.list_item_id,
            topic=a.topic,
            held_on=a.held_on,
            attendees=a.attendees,
            has_records=a.has_records,
        ),
    )


async def record_emergency(step: Step, a: wf.RecordEmergency) -> None:
    require_stage(step.stage, Stage.IMPLEMENTATION, step="an environmental emergency")
    if not a.reported_at <= a.responded_at <= a.closed_at:
        raise ValidationFailed("reported ≤ responded ≤ closed must hold", field="respondedAt")
    await step.record("emergency", a.reported_at.date(), a, None)
    await step.emit(
        we.EmergencyClosedV1,
        we.EmergencyClosedData(
            incident_id=new_id(),
            reported_at=a.reported_at,
            responded_at=a.responded_at,
            closed_at=a.closed_at,
            contracted_response_minutes=a.contracted_response_minutes,
        ),
    )


async def record_complaint(step: Step, a: wf.RecordComplaint) -> None:
    require_stage(step.stage, Stage.IMPLEMENTATION, Stage.RESULTS, step="a quality complaint")
    await step.record("complaint", a.received_on, a, None)
    await step.emit(
        we.ComplaintRecordedV1,
        we.ComplaintRecordedData(
            complaint_id=new_id(), received_on=a.received_on, verified=a.verified
        ),
    )


async def record_penalty(step: Step, a: wf.RecordPenalty) -> None:
    require_stage(step.stage, Stage.IMPLEMENTATION, Stage.RESULTS, step="a penalty")
    await step.record("penalty", a.decided_on, a, None)
    await step.emit(
        we.PenaltyRecordedV1,
        we.PenaltyRecordedData(
            penalty_id=new_id(), decided_on=a.decided_on, authority=a.authority, amount=a.amount
        ),
    )


async def record_survey(step: Step, a: wf.RecordSurvey) -> None:
    require_stage(step.stage, Stage.IMPLEMENTATION, Stage.RESULTS, step="a satisfaction survey")
    await step.record("satisfaction_survey", a.conducted_on, a, None)
    await step.emit(
        we.SurveyRecordedV1,
        we.SurveyRecordedData(
            survey_id=new_id(), method=a.method, conducted_on=a.conducted_on, score=a.score
        ),
    )


# --- results (成果) → evaluation (评价) -------------------------------------------------


async def complete_implementation(step: Step, a: wf.CompleteImplementation) -> None:
    await step.move_to(Stage.RESULTS)


async def hand_over(step: Step, a: wf.HandOver) -> None:
    require_stage(step.stage, Stage.RESULTS, step="the handover")
    step.engagement.handed_over_on = a.handed_over_on
    step.engagement.deliverables = list(a.deliverables)
    await step.move_to(Stage.EVALUATION)


_HANDLERS: dict[type[Any], Callable[[Step, Any], Awaitable[None]]] = {
    wf.AddListItem: add_list_item,
    wf.ApproveListItem: approve_list_item,
    wf.FinishListItem: finish_list_item,
    wf.FormTeam: form_team,
    wf.RecordSiteSurvey: record_site_survey,
    wf.UpdateChecklistItem: update_checklist_item,
    wf.DraftPlan: draft_plan,
    wf.SubmitPlan: submit_plan,
    wf.DecidePlan: decide_plan,
    wf.RecordConsultation: record_consultation,
    wf.SignContract: sign_contract,
    wf.RecordInspection: record_inspection,
    wf.RecordTraining: record_training,
    wf.RecordEmergency: record_emergency,
    wf.RecordComplaint: record_complaint,
    wf.RecordPenalty: record_penalty,
    wf.RecordSurvey: record_survey,
    wf.CompleteImplementation: complete_implementation,
    wf.HandOver: hand_over,
}
