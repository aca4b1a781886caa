"""Preparation steps (准备, R4.2.2): service list, team, site survey and Appendix A
checklist, implementation plan with the client's confirmation, expert meetings,
contract signing."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.core import EventEnvelope, ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement.enums import (
    CatalogueKind,
    ChecklistStatus,
    ListItemStatus,
    PlanStatus,
    RecordKind,
    Stage,
)
from contracts.engagement.errors import WorkflowConflict
from kit.ids import new_id
from services.engagement.models import ListItem, PlanVersion, TeamMemberRow
from services.engagement.seed import catalogue_v1
from services.engagement.statistics import commands as statistics
from services.engagement.workflow import repository
from services.engagement.workflow.commands.step import Step, handles
from services.engagement.workflow.domain import (
    ItemMove,
    PlanMove,
    next_item_status,
    next_plan_action,
    require_stage,
)


@handles(engagement_actions.AddListItem)
async def add_list_item(step: Step, a: engagement_actions.AddListItem) -> None:
    require_stage(step.stage, Stage.PREPARATION, Stage.IMPLEMENTATION, step="adding a list item")
    entry = await repository.catalogue_entry(step.session, catalogue_v1.VERSION, a.catalogue_code)
    if entry is None:
        raise ValidationFailed(
            "no catalogue item {code}", field="catalogueCode", params={"code": a.catalogue_code}
        )
    # During implementation only customised items may be added, by a change request
    # the client approves (R5.2); in preparation the list is still being agreed.
    during = step.stage is Stage.IMPLEMENTATION
    if during and entry.kind != CatalogueKind.CUSTOMISED:
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
        customised=entry.kind == CatalogueKind.CUSTOMISED,
        status=ListItemStatus.PROPOSED if during else ListItemStatus.OPEN,
        waived_reason=None,
        created_at=datetime.now(UTC),
    )
    step.session.add(item)
    await statistics.count_item(step.session, step.engagement, None, item)
    if during:
        # Waits for the client (their work inbox learns it from this event).
        await announce_item(step, item, entry.name_zh, engagement_events.ListItemProposedV1)
    else:
        await announce_item(step, item, entry.name_zh)


async def announce_item(
    step: Step,
    item: ListItem,
    title: str,
    event: type[EventEnvelope] = engagement_events.ListItemAddedV1,
) -> None:
    await step.emit(
        event,
        engagement_event_data.ListItemAddedData(
            item_id=item.id,
            catalogue_code=item.catalogue_code,
            title=title,
            contracted_quantity=item.contracted_quantity,
            quantity_unit=item.quantity_unit,
            due_date=item.due_date,
            customised=item.customised,
        ),
    )


@handles(engagement_actions.ApproveListItem)
async def approve_list_item(step: Step, a: engagement_actions.ApproveListItem) -> None:
    item = await step.item(a.item_id)
    was = statistics.open_due(item)
    item.status = next_item_status(ListItemStatus(item.status), ItemMove.APPROVE)
    await statistics.count_item(step.session, step.engagement, was, item)
    entry = await repository.catalogue_entry(
        step.session, catalogue_v1.VERSION, item.catalogue_code
    )
    await announce_item(step, item, entry.name_zh if entry else item.catalogue_code)


@handles(engagement_actions.FormTeam)
async def form_team(step: Step, a: engagement_actions.FormTeam) -> None:
    require_stage(step.stage, Stage.PREPARATION, Stage.IMPLEMENTATION, step="forming the team")
    await repository.remove_team(step.session, step.engagement.id)
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
        engagement_events.TeamFormedV1,
        engagement_event_data.TeamFormedData(contracted_size=a.contracted_size, members=a.members),
    )


@handles(engagement_actions.RecordSiteSurvey)
async def record_site_survey(step: Step, a: engagement_actions.RecordSiteSurvey) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="a site survey")
    await step.record(RecordKind.SITE_SURVEY, a.surveyed_on, a, None)
    await step.emit(
        engagement_events.SiteSurveyRecordedV1,
        engagement_event_data.SiteSurveyData(
            surveyed_on=a.surveyed_on, participants=a.participants
        ),
    )


@handles(engagement_actions.UpdateChecklistItem)
async def update_checklist_item(step: Step, a: engagement_actions.UpdateChecklistItem) -> None:
    entry = await repository.checklist_entry(step.session, step.engagement.id, a.code)
    if entry is None:
        raise ValidationFailed("no Appendix A item {code}", field="code", params={"code": a.code})
    received = a.status == ChecklistStatus.RECEIVED
    if received and not (a.document_item_id or a.document_ref):
        raise ValidationFailed("a received document needs its archive id", field="documentRef")
    entry.status = a.status
    # The checked archive item (the gateway had the archive check it); its id is also
    # kept as the reference text, which older rows hold as free text (legacy).
    entry.document_item_id = a.document_item_id if received else None
    ref = str(a.document_item_id) if a.document_item_id else a.document_ref
    entry.document_ref = ref if received else None
    await step.emit(
        engagement_events.ChecklistItemUpdatedV1,
        engagement_event_data.ChecklistItemData(
            code=a.code, status=a.status, document_ref=entry.document_ref
        ),
    )


@handles(engagement_actions.DraftPlan)
async def draft_plan(step: Step, a: engagement_actions.DraftPlan) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="drafting the plan")
    latest = await step.latest_plan()
    next_plan_action(PlanStatus(latest.status) if latest else None, PlanMove.DRAFT)
    if latest is not None and latest.status == PlanStatus.DRAFT:
        latest.content = a.content  # a draft is edited in place until submitted
        plan = latest
    else:
        plan = PlanVersion(
            id=new_id(),
            engagement_id=step.engagement.id,
            version=(latest.version + 1) if latest else 1,
            status=PlanStatus.DRAFT,
            content=a.content,
        )
        step.session.add(plan)
    await step.emit(
        engagement_events.PlanDraftedV1,
        engagement_event_data.PlanVersionData(version=plan.version, status=plan.status),
    )


_PLAN_EVENTS: dict[PlanMove, type[EventEnvelope]] = {
    PlanMove.SUBMIT: engagement_events.PlanSubmittedV1,
    PlanMove.CONFIRM: engagement_events.PlanConfirmedV1,
    PlanMove.OBJECT: engagement_events.PlanObjectedV1,
}


async def _plan_step(step: Step, action: PlanMove, reasons: str | None = None) -> None:
    latest = await step.latest_plan()
    status = next_plan_action(PlanStatus(latest.status) if latest else None, action)
    assert latest is not None  # next_plan_action refuses every action on no plan but draft
    latest.status = status
    now = datetime.now(UTC)
    if action is PlanMove.SUBMIT:
        latest.submitted_at = now
    else:
        latest.decided_at, latest.decided_by = now, step.ctx.actor
        latest.objection_reasons = reasons
    await step.emit(
        _PLAN_EVENTS[action],
        engagement_event_data.PlanVersionData(
            version=latest.version, status=latest.status, reasons=reasons
        ),
    )


@handles(engagement_actions.SubmitPlan)
async def submit_plan(step: Step, a: engagement_actions.SubmitPlan) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="submitting the plan")
    await _plan_step(step, PlanMove.SUBMIT)


@handles(engagement_actions.DecidePlan)
async def decide_plan(step: Step, a: engagement_actions.DecidePlan) -> None:
    require_stage(step.stage, Stage.PREPARATION, step="deciding on the plan")
    if not a.confirm and not (a.reasons and a.reasons.strip()):
        raise ValidationFailed("an objection needs its reasons", field="reasons")
    move = PlanMove.CONFIRM if a.confirm else PlanMove.OBJECT
    await _plan_step(step, move, None if a.confirm else a.reasons)


@handles(engagement_actions.RecordConsultation)
async def record_consultation(step: Step, a: engagement_actions.RecordConsultation) -> None:
    require_stage(step.stage, Stage.PREPARATION, Stage.IMPLEMENTATION, step="an expert meeting")
    await step.record(RecordKind.EXPERT_CONSULTATION, a.held_on, a, None, experts=a.expert_ids)
    await step.emit(
        engagement_events.ConsultationHeldV1,
        engagement_event_data.ConsultationData(
            held_on=a.held_on, experts=a.experts, conclusion=a.conclusion
        ),
    )


@handles(engagement_actions.SignContract)
async def sign_contract(step: Step, a: engagement_actions.SignContract) -> None:
    await step.move_to(Stage.IMPLEMENTATION)
    step.engagement.contract_signed_on = a.signed_on
    await step.emit(
        engagement_events.ContractSignedV1,
        engagement_event_data.ContractSignedData(signed_on=a.signed_on),
    )
