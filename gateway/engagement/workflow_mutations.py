"""Mutations for every workflow step of figure 1. Each takes one input naming the
engagement and returns `WorkflowStepResult`: the engagement after the step, or a
typed error (a refused step writes nothing)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from pydantic import ValidationError as PydanticValidationError
from strawberry.types import Info

from contracts.core import DomainError, ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement.event_data import TeamMember
from gateway.context import Context, scope_of
from gateway.engagement.types import Engagement
from gateway.engagement.workflow_errors import (
    ListItemNotFound,
    TransitionNotAllowed,
    WorkflowConflict,
    workflow_error,
)
from gateway.errors import EngagementNotFound, NotAuthorized, ServiceUnavailable, ValidationError
from gateway.ids import decode_global_id
from kit.rpc import validation_error

# Who may take which step (casbin objects/actions; see gateway/authz/policy.csv).
AGENCY_STEP = ("engagement", "update")  # project managers and agency admins
FIELD_WORK = ("activity", "record")  # engineers on the team, and those above them
CLIENT_DECISION = ("plan", "decide")  # the unit's client admin (委托方)
CLIENT_APPROVAL = ("change_request", "approve")
RECTIFICATION = ("rectification", "report")  # the unit's people or the agency's engineers


@strawberry.type
class WorkflowStepSuccess:
    engagement: Engagement


WorkflowStepResult = Annotated[
    WorkflowStepSuccess
    | EngagementNotFound
    | ListItemNotFound
    | TransitionNotAllowed
    | WorkflowConflict
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("WorkflowStepResult"),
]


async def _step(
    info: Info[Context, None],
    engagement_id: strawberry.ID,
    permission: tuple[str, str],
    build: Callable[[], engagement_actions.Action],
) -> WorkflowStepResult:
    ctx = info.context
    try:
        if not ctx.authorizer.can(*permission):
            raise ctx.denied()
        engagement = decode_global_id(engagement_id, "Engagement", field="engagementId")
        try:
            action = build()
        except PydanticValidationError as exc:
            raise validation_error(exc) from None
        view = await ctx.services.act(engagement, scope_of(ctx.authorizer), action)
        return WorkflowStepSuccess(engagement=Engagement.from_view(view))
    except DomainError as exc:
        return workflow_error(exc, ctx.request_id)  # type: ignore[return-value]


def _fields(input: Any) -> dict[str, Any]:
    """The input's fields for the action, without the engagement id."""
    data = dataclasses.asdict(input)
    data.pop("engagement_id", None)
    return data


@strawberry.input
class AddListItemInput:
    engagement_id: strawberry.ID
    catalogue_code: str = strawberry.field(
        description="e.g. `6.1.5`; customised 6.2.x only during implementation."
    )
    scope: str
    expected_effect: str = ""
    target: str = strawberry.field(default="", description="Measurable target.")
    contracted_quantity: int | None = strawberry.field(
        default=None, description="e.g. 4 (inspections)."
    )
    quantity_unit: str | None = None
    due_date: date | None = strawberry.field(default=None, description="Time node (时间节点).")


@strawberry.input
class ListItemInput:
    engagement_id: strawberry.ID
    item_id: strawberry.ID


@strawberry.input
class FinishListItemInput:
    engagement_id: strawberry.ID
    item_id: strawberry.ID
    waived_reason: str | None = strawberry.field(
        default=None, description="Set to waive the item instead of completing it."
    )


@strawberry.input
class TeamMemberInput:
    person_id: strawberry.ID
    name: str
    role: str
    qualification: str | None = None


@strawberry.input
class FormTeamInput:
    engagement_id: strawberry.ID
    contracted_size: int
    members: list[TeamMemberInput]


@strawberry.input
class SiteSurveyInput:
    engagement_id: strawberry.ID
    surveyed_on: date
    participants: list[str]
    findings: str


@strawberry.input
class ChecklistItemInput:
    engagement_id: strawberry.ID
    code: str = strawberry.field(description="表 A.1 item code, e.g. `A.3.01`.")
    status: str = strawberry.field(description="pending, received or not_applicable.")
    document_ref: str | None = strawberry.field(
        default=None, description="Archive item id of the received document."
    )


@strawberry.input
class DraftPlanInput:
    engagement_id: strawberry.ID
    content: str


@strawberry.input
class EngagementInput:
    engagement_id: strawberry.ID


@strawberry.input
class DecidePlanInput:
    engagement_id: strawberry.ID
    confirm: bool
    reasons: str | None = strawberry.field(default=None, description="Required to object.")


@strawberry.input
class ConsultationInput:
    engagement_id: strawberry.ID
    held_on: date
    experts: list[str]
    opinions: str
    conclusion: str
    expert_ids: list[str] = strawberry.field(
        default_factory=list, description="User ids of the invited experts; only they see it."
    )


@strawberry.input
class SignContractInput:
    engagement_id: strawberry.ID
    signed_on: date


@strawberry.input
class InspectionInput:
    engagement_id: strawberry.ID
    performed_on: date
    problems_found: int
    rectification_plans: int
    list_item_id: strawberry.ID | None = None


@strawberry.input
class TrainingInput:
    engagement_id: strawberry.ID
    topic: str
    held_on: date
    attendees: int
    has_records: bool
    list_item_id: strawberry.ID | None = None


@strawberry.input
class EmergencyInput:
    engagement_id: strawberry.ID
    reported_at: datetime
    responded_at: datetime
    closed_at: datetime
    contracted_response_minutes: int


@strawberry.input
class ComplaintInput:
    engagement_id: strawberry.ID
    received_on: date
    verified: bool


@strawberry.input
class PenaltyInput:
    engagement_id: strawberry.ID
    decided_on: date
    authority: str
    amount: Decimal


@strawberry.input
class SurveyAnswerInput:
    question: str
    answer: str


@strawberry.input
class SatisfactionSurveyInput:
    engagement_id: strawberry.ID
    method: str = strawberry.field(
        description="questionnaire, visit, online, phone or onsite (R4.2.3.1)."
    )
    conducted_on: date
    score: Decimal = strawberry.field(description="0–100.")
    answers: list[SurveyAnswerInput] = strawberry.field(default_factory=list)


@strawberry.input
class RaiseRectificationInput:
    engagement_id: strawberry.ID
    problem_key: str = strawberry.field(description="Kind of problem; recurrences count by it.")
    description: str
    plan: str
    owner: str
    due_date: date
    inspection_record_id: strawberry.ID | None = strawberry.field(
        default=None, description="The inspection record (see `records`) that found it."
    )


@strawberry.input
class RectifiedInput:
    engagement_id: strawberry.ID
    rectification_id: strawberry.ID
    note: str


@strawberry.input
class VerifyRectificationInput:
    engagement_id: strawberry.ID
    rectification_id: strawberry.ID
    passed: bool
    note: str


@strawberry.input
class WorkLogInput:
    engagement_id: strawberry.ID
    person: str
    worked_on: date
    location: str
    mode: str = strawberry.field(description="fixed_resident, roving or remote_monitoring.")
    activity: str
    hours: Decimal
    evidence: list[str] = strawberry.field(default_factory=list, description="Archive item ids.")


@strawberry.input
class StageReportInput:
    engagement_id: strawberry.ID
    period_start: date
    period_end: date
    problems: str
    solutions: str = strawberry.field(
        default="", description="May be empty on a resubmission after a seminar."
    )
    report_no: int | None = strawberry.field(
        default=None, description="Set to resubmit an objected report."
    )


@strawberry.input
class ReviewStageReportInput:
    engagement_id: strawberry.ID
    report_no: int
    accept: bool
    feedback: str | None = strawberry.field(default=None, description="Required to object.")


@strawberry.input
class SeminarInput:
    engagement_id: strawberry.ID
    held_on: date
    experts: list[str]
    departments: list[str] = strawberry.field(description="政府相关部门 present.")
    problems: str
    conclusion: str
    report_no: int | None = strawberry.field(
        default=None, description="The objected report whose problems it settles."
    )
    expert_ids: list[str] = strawberry.field(
        default_factory=list, description="User ids of the invited experts; only they see it."
    )


@strawberry.input
class HandOverInput:
    engagement_id: strawberry.ID
    handed_over_on: date
    deliverables: list[str] = strawberry.field(description="Archive item ids.")


def _team(input: FormTeamInput) -> engagement_actions.FormTeam:
    try:
        members = [TeamMember(**dataclasses.asdict(m)) for m in input.members]
    except PydanticValidationError as exc:
        raise validation_error(exc) from None
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="members") from None
    return engagement_actions.FormTeam(contracted_size=input.contracted_size, members=members)


@strawberry.type
class WorkflowMutations:
    # --- preparation (准备, R4.2.2) -----------------------------------------------------

    @strawberry.mutation(description="Add a service list item (R4.2.2.1; R5.2 when customised).")
    async def add_list_item(
        self, info: Info[Context, None], input: AddListItemInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.AddListItem(**_fields(input)),
        )

    @strawberry.mutation(description="The client approves a customised item added mid-way (R5.2).")
    async def approve_list_item(
        self, info: Info[Context, None], input: ListItemInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            CLIENT_APPROVAL,
            lambda: engagement_actions.ApproveListItem(**_fields(input)),
        )

    @strawberry.mutation(description="Complete a list item, or waive it with a reason.")
    async def finish_list_item(
        self, info: Info[Context, None], input: FinishListItemInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.FinishListItem(**_fields(input)),
        )

    @strawberry.mutation(description="Form (or re-form) the service team (R4.2.2.2).")
    async def form_team(
        self, info: Info[Context, None], input: FormTeamInput
    ) -> WorkflowStepResult:
        return await _step(info, input.engagement_id, AGENCY_STEP, lambda: _team(input))

    @strawberry.mutation(description="Record a site survey (R4.2.2.3).")
    async def record_site_survey(
        self, info: Info[Context, None], input: SiteSurveyInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            FIELD_WORK,
            lambda: engagement_actions.RecordSiteSurvey(**_fields(input)),
        )

    @strawberry.mutation(description="Mark an Appendix A document received or not applicable.")
    async def update_checklist_item(
        self, info: Info[Context, None], input: ChecklistItemInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            FIELD_WORK,
            lambda: engagement_actions.UpdateChecklistItem(**_fields(input)),
        )

    @strawberry.mutation(
        description="Draft the implementation plan (a new version after an objection)."
    )
    async def draft_plan(
        self, info: Info[Context, None], input: DraftPlanInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.DraftPlan(**_fields(input)),
        )

    @strawberry.mutation(
        description="Submit the draft plan to the client (报委托方确认, R4.2.2.4)."
    )
    async def submit_plan(
        self, info: Info[Context, None], input: EngagementInput
    ) -> WorkflowStepResult:
        return await _step(info, input.engagement_id, AGENCY_STEP, engagement_actions.SubmitPlan)

    @strawberry.mutation(
        description="The client confirms the plan or objects with reasons (R4.2.2.4)."
    )
    async def decide_plan(
        self, info: Info[Context, None], input: DecidePlanInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            CLIENT_DECISION,
            lambda: engagement_actions.DecidePlan(**_fields(input)),
        )

    @strawberry.mutation(description="Record an expert consultation meeting (专家咨询会).")
    async def record_consultation(
        self, info: Info[Context, None], input: ConsultationInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.RecordConsultation(**_fields(input)),
        )

    @strawberry.mutation(
        description="Sign the service contract: preparation → implementation (R4.2.2.5)."
    )
    async def sign_contract(
        self, info: Info[Context, None], input: SignContractInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.SignContract(**_fields(input)),
        )

    # --- implementation (实施, R4.2.3) -------------------------------------------------

    @strawberry.mutation(description="Record an inspection (排查) and its rectification plans.")
    async def record_inspection(
        self, info: Info[Context, None], input: InspectionInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            FIELD_WORK,
            lambda: engagement_actions.RecordInspection(**_fields(input)),
        )

    @strawberry.mutation(description="Record a training held.")
    async def record_training(
        self, info: Info[Context, None], input: TrainingInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            FIELD_WORK,
            lambda: engagement_actions.RecordTraining(**_fields(input)),
        )

    @strawberry.mutation(description="Record an environmental emergency handled (R6.1.4.2).")
    async def record_emergency(
        self, info: Info[Context, None], input: EmergencyInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            FIELD_WORK,
            lambda: engagement_actions.RecordEmergency(**_fields(input)),
        )

    @strawberry.mutation(description="Record a quality complaint about the service.")
    async def record_complaint(
        self, info: Info[Context, None], input: ComplaintInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.RecordComplaint(**_fields(input)),
        )

    @strawberry.mutation(description="Record an environmental penalty on the unit.")
    async def record_penalty(
        self, info: Info[Context, None], input: PenaltyInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.RecordPenalty(**_fields(input)),
        )

    @strawberry.mutation(description="Record a satisfaction survey (R4.2.3.1).")
    async def record_satisfaction_survey(
        self, info: Info[Context, None], input: SatisfactionSurveyInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            FIELD_WORK,
            lambda: engagement_actions.RecordSurvey(**_fields(input)),
        )

    @strawberry.mutation(description="Raise a rectification item (整改) from an inspection.")
    async def raise_rectification(
        self, info: Info[Context, None], input: RaiseRectificationInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            FIELD_WORK,
            lambda: engagement_actions.RaiseRectification(**_fields(input)),
        )

    @strawberry.mutation(description="Report a rectification item done (the unit or the agency).")
    async def report_rectified(
        self, info: Info[Context, None], input: RectifiedInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            RECTIFICATION,
            lambda: engagement_actions.ReportRectified(**_fields(input)),
        )

    @strawberry.mutation(description="Verify a rectified item: closed, or back to open.")
    async def verify_rectification(
        self, info: Info[Context, None], input: VerifyRectificationInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            FIELD_WORK,
            lambda: engagement_actions.VerifyRectification(**_fields(input)),
        )

    @strawberry.mutation(description="Log work (工作日志): who, when, where, mode, what, hours.")
    async def log_work(self, info: Info[Context, None], input: WorkLogInput) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            FIELD_WORK,
            lambda: engagement_actions.LogWork(**_fields(input)),
        )

    @strawberry.mutation(
        description="Submit a stage report, or resubmit an objected one (R4.2.3.2)."
    )
    async def submit_stage_report(
        self, info: Info[Context, None], input: StageReportInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.SubmitStageReport(**_fields(input)),
        )

    @strawberry.mutation(description="The client accepts a stage report or objects with feedback.")
    async def review_stage_report(
        self, info: Info[Context, None], input: ReviewStageReportInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            CLIENT_DECISION,
            lambda: engagement_actions.ReviewStageReport(**_fields(input)),
        )

    @strawberry.mutation(description="Record a technical seminar (技术研讨会) and its conclusion.")
    async def record_seminar(
        self, info: Info[Context, None], input: SeminarInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.RecordSeminar(**_fields(input)),
        )

    # --- results (成果) and evaluation (评价) ------------------------------------------

    @strawberry.mutation(
        description="All tasks done or waived: implementation → results (R4.2.4.1)."
    )
    async def complete_implementation(
        self, info: Info[Context, None], input: EngagementInput
    ) -> WorkflowStepResult:
        return await _step(
            info, input.engagement_id, AGENCY_STEP, engagement_actions.CompleteImplementation
        )

    @strawberry.mutation(description="Hand the deliverables over: results → evaluation (R4.2.4.2).")
    async def hand_over(
        self, info: Info[Context, None], input: HandOverInput
    ) -> WorkflowStepResult:
        return await _step(
            info,
            input.engagement_id,
            AGENCY_STEP,
            lambda: engagement_actions.HandOver(**_fields(input)),
        )
