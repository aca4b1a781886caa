"""Workflow steps of an engagement as one request/reply command with typed actions.

`ACT` carries one `Action` (a discriminated union on `action`) for one engagement;
the engagement service applies it under the state machine and answers with the
engagement's new state. One endpoint keeps the wire contract small while every
step stays typed and versioned in the union.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field

from contracts.base import Contract
from contracts.rpc import EngagementView, Rpc, Scope
from contracts.workflow_events import TeamMember


class AddListItem(Contract):
    """托管服务清单 item (R4.2.2.1); during implementation a customised item (R5.2)
    waits for the client's approval."""

    action: Literal["add_list_item"] = "add_list_item"
    catalogue_code: str
    scope: str = Field(min_length=1, max_length=2000)
    expected_effect: str = Field(default="", max_length=2000)
    target: str = Field(default="", max_length=2000, description="Measurable target.")
    contracted_quantity: int | None = Field(default=None, ge=1, le=10000)
    quantity_unit: str | None = Field(default=None, max_length=50)
    due_date: date | None = None


class ApproveListItem(Contract):
    action: Literal["approve_list_item"] = "approve_list_item"
    item_id: UUID


class FinishListItem(Contract):
    """Mark an item done, or waive it with a reason (R4.2.4.1 allows nothing else)."""

    action: Literal["finish_list_item"] = "finish_list_item"
    item_id: UUID
    waived_reason: str | None = Field(default=None, max_length=2000)


class FormTeam(Contract):
    action: Literal["form_team"] = "form_team"
    contracted_size: int = Field(ge=1, le=500)
    members: list[TeamMember] = Field(min_length=1, max_length=500)


class RecordSiteSurvey(Contract):
    """现场调查 (R4.2.2.3, HJ 606)."""

    action: Literal["record_site_survey"] = "record_site_survey"
    surveyed_on: date
    participants: list[str] = Field(min_length=1)
    findings: str = Field(min_length=1, max_length=10000)


class UpdateChecklistItem(Contract):
    """An Appendix A document: received (with the archived document) or not applicable."""

    action: Literal["update_checklist_item"] = "update_checklist_item"
    code: str
    status: Literal["pending", "received", "not_applicable"]
    document_ref: str | None = Field(default=None, max_length=200)


class DraftPlan(Contract):
    action: Literal["draft_plan"] = "draft_plan"
    content: str = Field(min_length=1, max_length=100000)


class SubmitPlan(Contract):
    action: Literal["submit_plan"] = "submit_plan"


class DecidePlan(Contract):
    """The client confirms the plan or objects with reasons (R4.2.2.4)."""

    action: Literal["decide_plan"] = "decide_plan"
    confirm: bool
    reasons: str | None = Field(default=None, max_length=10000)


class RecordConsultation(Contract):
    """专家咨询会 on the plan (R4.2.2.4)."""

    action: Literal["record_consultation"] = "record_consultation"
    held_on: date
    experts: list[str] = Field(min_length=1)
    opinions: str = Field(min_length=1, max_length=20000)
    conclusion: str = Field(min_length=1, max_length=5000)
    expert_ids: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="User ids of the invited experts: they (only) see this meeting.",
    )


class SignContract(Contract):
    """签订托管服务合同 (R4.2.2.5): preparation → implementation."""

    action: Literal["sign_contract"] = "sign_contract"
    signed_on: date


class RecordInspection(Contract):
    action: Literal["record_inspection"] = "record_inspection"
    list_item_id: UUID | None = None
    performed_on: date
    problems_found: int = Field(ge=0)
    rectification_plans: int = Field(ge=0)


class RecordTraining(Contract):
    action: Literal["record_training"] = "record_training"
    list_item_id: UUID | None = None
    topic: str = Field(min_length=1, max_length=500)
    held_on: date
    attendees: int = Field(ge=0)
    has_records: bool


class RecordEmergency(Contract):
    """An environmental emergency handled (R6.1.4.2), from report to close-out."""

    action: Literal["record_emergency"] = "record_emergency"
    reported_at: datetime
    responded_at: datetime
    closed_at: datetime
    contracted_response_minutes: int = Field(ge=0)


class RecordComplaint(Contract):
    action: Literal["record_complaint"] = "record_complaint"
    received_on: date
    verified: bool


class RecordPenalty(Contract):
    action: Literal["record_penalty"] = "record_penalty"
    decided_on: date
    authority: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class SurveyAnswer(Contract):
    question: str = Field(min_length=1, max_length=1000)
    answer: str = Field(max_length=5000)


class RecordSurvey(Contract):
    """满意度调查 by one of the five methods of R4.2.3.1."""

    action: Literal["record_survey"] = "record_survey"
    method: Literal["questionnaire", "visit", "online", "phone", "onsite"]
    conducted_on: date
    score: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    answers: list[SurveyAnswer] = Field(default_factory=list, max_length=200)


class RaiseRectification(Contract):
    """整改 item from an inspection's problem: plan, owner and due date."""

    action: Literal["raise_rectification"] = "raise_rectification"
    problem_key: str = Field(
        min_length=1,
        max_length=100,
        description="What kind of problem, e.g. `废气无组织排放`; recurrences are counted by it.",
    )
    description: str = Field(min_length=1, max_length=5000)
    plan: str = Field(min_length=1, max_length=5000)
    owner: str = Field(min_length=1, max_length=100)
    due_date: date
    inspection_record_id: UUID | None = None


class ReportRectified(Contract):
    action: Literal["report_rectified"] = "report_rectified"
    rectification_id: UUID
    note: str = Field(min_length=1, max_length=5000)


class VerifyRectification(Contract):
    """Verification closes the item, or sends it back to open with the reason."""

    action: Literal["verify_rectification"] = "verify_rectification"
    rectification_id: UUID
    passed: bool
    note: str = Field(min_length=1, max_length=5000)


class LogWork(Contract):
    """工作日志: who worked when and where, in which mode, on what, for how long."""

    action: Literal["log_work"] = "log_work"
    person: str = Field(min_length=1, max_length=100)
    worked_on: date
    location: str = Field(min_length=1, max_length=200)
    mode: Literal["fixed_resident", "roving", "remote_monitoring"]
    activity: str = Field(min_length=1, max_length=5000)
    hours: Decimal = Field(gt=0, le=24, max_digits=4, decimal_places=2)
    evidence: list[str] = Field(default_factory=list, description="Archive item ids.")


class SubmitStageReport(Contract):
    """阶段性工作报告 (R4.2.3.2): a new report, or (with `report_no`) its resubmission
    after the client's feedback (意见反馈及优化)."""

    action: Literal["submit_stage_report"] = "submit_stage_report"
    report_no: int | None = Field(default=None, ge=1, description="Set to resubmit a report.")
    period_start: date
    period_end: date
    problems: str = Field(min_length=1, max_length=20000)
    solutions: str = Field(
        default="",
        max_length=20000,
        description="Empty on a resubmission after a seminar: its conclusion is used.",
    )


class ReviewStageReport(Contract):
    """The client accepts a stage report or objects with feedback."""

    action: Literal["review_stage_report"] = "review_stage_report"
    report_no: int = Field(ge=1)
    accept: bool
    feedback: str | None = Field(default=None, max_length=20000)


class RecordSeminar(Contract):
    """技术研讨会 with experts and government departments; its conclusion becomes the
    solution of the report's problems (R4.2.3.2)."""

    action: Literal["record_seminar"] = "record_seminar"
    held_on: date
    experts: list[str] = Field(min_length=1)
    departments: list[str] = Field(min_length=1, description="政府相关部门 present.")
    problems: str = Field(min_length=1, max_length=20000)
    conclusion: str = Field(min_length=1, max_length=20000)
    report_no: int | None = Field(default=None, ge=1)
    expert_ids: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="User ids of the invited experts: they (only) see this meeting.",
    )


class CompleteImplementation(Contract):
    """Implementation → results (R4.2.4.1)."""

    action: Literal["complete_implementation"] = "complete_implementation"


class HandOver(Contract):
    """归档与移交 (R4.2.4.2): results → evaluation."""

    action: Literal["hand_over"] = "hand_over"
    handed_over_on: date
    deliverables: list[str] = Field(
        min_length=1, description="Archive item ids of the deliverables handed over."
    )


Action = Annotated[
    AddListItem
    | ApproveListItem
    | FinishListItem
    | FormTeam
    | RecordSiteSurvey
    | UpdateChecklistItem
    | DraftPlan
    | SubmitPlan
    | DecidePlan
    | RecordConsultation
    | SignContract
    | RecordInspection
    | RecordTraining
    | RecordEmergency
    | RecordComplaint
    | RecordPenalty
    | RecordSurvey
    | RaiseRectification
    | ReportRectified
    | VerifyRectification
    | LogWork
    | SubmitStageReport
    | ReviewStageReport
    | RecordSeminar
    | CompleteImplementation
    | HandOver,
    Field(discriminator="action"),
]


class ActRequest(Contract):
    engagement_id: UUID
    scope: Scope
    action: Action


# --- reading the workflow state ---------------------------------------------------------


class ListItemView(Contract):
    id: UUID
    catalogue_code: str
    scope: str
    expected_effect: str
    target: str
    contracted_quantity: int | None
    quantity_unit: str | None
    due_date: date | None
    customised: bool
    status: str
    waived_reason: str | None
    done_quantity: int = Field(description="Recorded activities linked to this item.")
    overdue: bool = Field(default=False, description="Open with its time node passed.")


class PlanVersionView(Contract):
    version: int
    status: str
    content: str
    objection_reasons: str | None
    submitted_at: datetime | None
    decided_at: datetime | None


class ChecklistItemView(Contract):
    """An engagement's state of one 表 A.1 document; its titles are reference data
    (`CHECKLIST_DEFINITION`), not repeated for every engagement."""

    code: str
    status: str
    document_ref: str | None


class ChecklistDefinitionItem(Contract):
    code: str
    section: str
    title_zh: str
    title_en: str


class ChecklistDefinitionRequest(Contract):
    version: int | None = None


class ChecklistDefinitionReply(Contract):
    version: int
    items: list[ChecklistDefinitionItem]


class StageReportView(Contract):
    report_no: int
    version: int
    period_start: date
    period_end: date
    problems: str
    solutions: str
    status: str
    feedback: str | None
    submitted_at: datetime
    reviewed_at: datetime | None


class RectificationView(Contract):
    id: UUID
    problem_key: str
    description: str
    plan: str
    owner: str
    due_date: date
    status: str
    raised_on: date
    closed_on: date | None
    notes: list[str]
    overdue: bool
    recurring: bool = Field(description="Same problem more than 3 times in 12 months.")


class RecordView(Contract):
    """One recorded activity (survey, consultation, inspection, training, …)."""

    id: UUID
    kind: str
    occurred_on: date
    details: dict[str, Any]
    recorded_by: str
    recorded_at: datetime


class WorkflowView(Contract):
    engagement_id: UUID
    contracted_team_size: int | None
    team: list[TeamMember]
    list_items: list[ListItemView]
    plan_versions: list[PlanVersionView]
    checklist: list[ChecklistItemView]
    records: list[RecordView]
    stage_reports: list[StageReportView]
    rectifications: list[RectificationView]
    contract_signed_on: date | None
    handed_over_on: date | None
    deliverables: list[str]


class WorkflowRequest(Contract):
    engagement_ids: list[UUID] = Field(max_length=500)
    scope: Scope


class WorkflowReply(Contract):
    items: list[WorkflowView | None]


class DueItemsRequest(Contract):
    """List items whose time node falls in [due_from, due_to], or that are overdue."""

    scope: Scope
    due_from: date | None = None
    due_to: date | None = None
    overdue_only: bool = False
    unit_id: UUID | None = None
    limit: int = Field(default=200, ge=1, le=1000)


class DueItemView(Contract):
    engagement_id: UUID
    unit_id: UUID
    agency_id: UUID
    item: ListItemView
    overdue: bool


class DueItemsReply(Contract):
    items: list[DueItemView]


class MeetingsRequest(Contract):
    expert_id: str = Field(min_length=1, max_length=200)


class MeetingView(Contract):
    """An expert consultation (专家咨询会) or technical seminar (技术研讨会)."""

    engagement_id: UUID
    record_id: UUID
    kind: str
    held_on: date
    details: dict[str, Any]


class MeetingsReply(Contract):
    items: list[MeetingView]


class CatalogueItemView(Contract):
    code: str
    parent_code: str | None
    kind: str
    name_zh: str
    name_en: str
    description: str
    version: int


class CatalogueRequest(Contract):
    version: int | None = None


class CatalogueReply(Contract):
    items: list[CatalogueItemView]


ACT = Rpc("engagement", "engagement.act", ActRequest, EngagementView)
GET_WORKFLOWS = Rpc("engagement", "engagement.workflow", WorkflowRequest, WorkflowReply)
GET_CATALOGUE = Rpc("engagement", "catalogue.list", CatalogueRequest, CatalogueReply)
DUE_ITEMS = Rpc("engagement", "list_item.due", DueItemsRequest, DueItemsReply)
CHECKLIST_DEFINITION = Rpc(
    "engagement", "checklist.definition", ChecklistDefinitionRequest, ChecklistDefinitionReply
)
EXPERT_MEETINGS = Rpc("engagement", "meeting.for_expert", MeetingsRequest, MeetingsReply)

WORKFLOW_RPCS: tuple[Rpc[Any, Any], ...] = (
    ACT,
    GET_WORKFLOWS,
    GET_CATALOGUE,
    DUE_ITEMS,
    EXPERT_MEETINGS,
    CHECKLIST_DEFINITION,
)
