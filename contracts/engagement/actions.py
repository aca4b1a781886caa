"""The workflow steps of an engagement as typed actions (a discriminated union on
`action`), carried one at a time by `ACT` (contracts.engagement.rpc_workflow).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from contracts.archive.handover import HandoverWaiver
from contracts.core import Contract, Scope
from contracts.engagement.enums import (
    ChecklistStatus,
    EvidenceRole,
    RecordKind,
    ServiceMode,
    SurveyMethod,
)
from contracts.engagement.event_data import TeamMember

# A user id as the meetings lookup takes it (MeetingsRequest.expert_id) and stores it.
ExpertId = Annotated[str, Field(min_length=1, max_length=200)]


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
    status: ChecklistStatus
    document_ref: str | None = Field(
        default=None,
        max_length=200,
        description="Free text, as before checking (kept readable as legacy text); the "
        "gateway sends `document_item_id` instead.",
    )
    document_item_id: UUID | None = Field(
        default=None, description="The archive item received, checked by the archive."
    )


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
    expert_ids: list[ExpertId] = Field(
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
    method: SurveyMethod
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
    mode: ServiceMode
    activity: str = Field(min_length=1, max_length=5000)
    hours: Decimal = Field(gt=0, le=24, max_digits=4, decimal_places=2)
    evidence: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Legacy free text; evidence is linked by `ActRequest.evidence` (checked).",
    )


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
    expert_ids: list[ExpertId] = Field(
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
    deliverables: list[UUID] = Field(
        min_length=1,
        max_length=500,
        description="Archive item ids of the deliverables handed over, checked by the "
        "archive (filed, of this engagement, visible to the caller, required kinds).",
    )
    waivers: list[HandoverWaiver] = Field(default_factory=list)


class AttachEvidence(Contract):
    """Link archive items (checked by the archive: filed, of this engagement, visible to
    the caller) to a record as its evidence; an item already linked stays as it was."""

    action: Literal["attach_evidence"] = "attach_evidence"
    record_id: UUID = Field(description="A service record or a rectification item.")
    item_ids: list[UUID] = Field(min_length=1, max_length=50)
    role: EvidenceRole = EvidenceRole.RECORD


class DetachEvidence(Contract):
    """Unlink archive items from a record (the items stay in the archive)."""

    action: Literal["detach_evidence"] = "detach_evidence"
    record_id: UUID
    item_ids: list[UUID] = Field(min_length=1, max_length=50)


# --- corrections (更正) and voids (作废): never deleting, each change a new version ------

Reason = Annotated[str, Field(min_length=1, max_length=2000, description="Why (kept).")]

# What a service record can be corrected to: the recording action of its own kind, so a
# correction is checked by the same rules as the original record.
RecordContent = Annotated[
    RecordSiteSurvey
    | RecordConsultation
    | RecordInspection
    | RecordTraining
    | RecordEmergency
    | RecordComplaint
    | RecordPenalty
    | RecordSurvey
    | LogWork
    | RecordSeminar,
    Field(discriminator="action"),
]


class CorrectRecord(Contract):
    """A service record corrected: its content replaced by a new version, with a reason;
    the previous versions stay readable."""

    action: Literal["correct_record"] = "correct_record"
    record_id: UUID
    reason: Reason
    record: RecordContent


class VoidRecord(Contract):
    """A service record voided (作废) with a reason: hidden from lists, no longer evidence,
    kept with its versions. `kind` is what the caller believes it voids (checked)."""

    action: Literal["void_record"] = "void_record"
    record_id: UUID
    kind: RecordKind
    reason: Reason


class CorrectListItem(Contract):
    """A service list item corrected before the contract is signed (R4.2.2.1)."""

    action: Literal["correct_list_item"] = "correct_list_item"
    item_id: UUID
    reason: Reason
    scope: str = Field(min_length=1, max_length=2000)
    expected_effect: str = Field(default="", max_length=2000)
    target: str = Field(default="", max_length=2000)
    contracted_quantity: int | None = Field(default=None, ge=1, le=10000)
    quantity_unit: str | None = Field(default=None, max_length=50)
    due_date: date | None = None


class VoidListItem(Contract):
    action: Literal["void_list_item"] = "void_list_item"
    item_id: UUID
    reason: Reason


class CorrectTeamMember(Contract):
    """A team member's name, role or qualification corrected (R4.2.2.2)."""

    action: Literal["correct_team_member"] = "correct_team_member"
    person_id: UUID
    reason: Reason
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(min_length=1, max_length=100)
    qualification: str | None = Field(default=None, max_length=200)


class VoidTeamMember(Contract):
    action: Literal["void_team_member"] = "void_team_member"
    person_id: UUID
    reason: Reason


# --- the engagement's lifecycle beside its stages ----------------------------------------


class SuspendEngagement(Contract):
    """暂停: no steps and no overdue announcements until resumed."""

    action: Literal["suspend_engagement"] = "suspend_engagement"
    reason: Reason
    suspended_from: date


class ResumeEngagement(Contract):
    action: Literal["resume_engagement"] = "resume_engagement"
    resumed_on: date


class TerminateEngagement(Contract):
    """提前终止 after the contract: the period served ends on `terminated_on` and is
    evaluated as such (the engagement moves to evaluation)."""

    action: Literal["terminate_engagement"] = "terminate_engagement"
    reason: Reason
    terminated_on: date
    by_agreement: bool


class CancelEngagement(Contract):
    """撤销 an engagement created by mistake, before the contract is signed."""

    action: Literal["cancel_engagement"] = "cancel_engagement"
    reason: Reason


class DecideResults(Contract):
    """验收 (R4.2.5): after the handover the client accepts the results (evaluation
    opens) or returns them with its reasons (back to results, handed over again)."""

    action: Literal["decide_results"] = "decide_results"
    accept: bool
    decided_on: date
    reasons: str | None = Field(default=None, max_length=10000)


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
    | HandOver
    | AttachEvidence
    | DetachEvidence
    | CorrectRecord
    | VoidRecord
    | CorrectListItem
    | VoidListItem
    | CorrectTeamMember
    | VoidTeamMember
    | SuspendEngagement
    | ResumeEngagement
    | TerminateEngagement
    | CancelEngagement
    | DecideResults,
    Field(discriminator="action"),
]


class ActRequest(Contract):
    engagement_id: UUID
    scope: Scope
    action: Action
    evidence: list[UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Archive items, checked by the archive, linked to the record the "
        "action creates (a rectification's: before; its report of rectification: after).",
    )
