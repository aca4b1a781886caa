"""Events of the hosting-service workflow (figure 1) that other services act on.

The engagement service emits them through its outbox; the archive traces all of
them; the evaluation service turns them into evidence for Appendix C scores
(e.g. inspections done vs contracted → 二.2). Amounts and scores are decimal
strings in JSON (`Decimal` in Python), never floats.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from contracts.base import Contract
from contracts.envelope import EventEnvelope

_TYPED = ConfigDict(frozen=True, extra="forbid")


class StageChangedData(Contract):
    engagement_id: UUID
    from_stage: str
    to_stage: str = Field(description="preparation, implementation, results, evaluation, closed")


class ListItemAddedData(Contract):
    """A service list item (托管服务清单, R4.2.2.1), regular or customised (R5.2)."""

    item_id: UUID
    catalogue_code: str = Field(description="e.g. `6.1.5` 环境监测, `6.2.5` 环保培训")
    title: str
    contracted_quantity: int | None = Field(
        default=None, description="How many times, e.g. 4 inspections, 2 trainings."
    )
    quantity_unit: str | None = Field(
        default=None, description="What is counted: inspection, training, report, …"
    )
    due_date: date | None = None
    customised: bool = False


class TeamMember(Contract):
    person_id: UUID
    name: str
    role: str
    qualification: str | None = None


class TeamFormedData(Contract):
    """The service team (R4.2.2.2) against what the contract requires (C.一.1)."""

    contracted_size: int = Field(ge=0)
    members: list[TeamMember]


class InspectionCompletedData(Contract):
    """An inspection (排查) done; its problems become rectification items."""

    inspection_id: UUID
    list_item_id: UUID | None = None
    performed_on: date
    problems_found: int = Field(ge=0)
    rectification_plans: int = Field(ge=0, description="Problems with a rectification plan.")


class TrainingHeldData(Contract):
    training_id: UUID
    list_item_id: UUID | None = None
    topic: str
    held_on: date
    attendees: int = Field(ge=0)
    has_records: bool = Field(description="Sign-in sheets, photos or materials archived.")


class EmergencyClosedData(Contract):
    """An environmental emergency (R6.1.4.2) from report to close-out."""

    incident_id: UUID
    reported_at: datetime
    responded_at: datetime
    closed_at: datetime
    contracted_response_minutes: int = Field(ge=0)


class ComplaintRecordedData(Contract):
    """A quality complaint about the agency's service (C.二.10)."""

    complaint_id: UUID
    received_on: date
    verified: bool


class PenaltyRecordedData(Contract):
    """An environmental administrative penalty on the unit (C.三.4)."""

    penalty_id: UUID
    decided_on: date
    authority: str
    amount: Decimal = Field(ge=0)


class SurveyRecordedData(Contract):
    """A satisfaction survey (R4.2.3.1) by one of the five methods, scored 0–100."""

    survey_id: UUID
    method: Literal["questionnaire", "visit", "online", "phone", "onsite"]
    conducted_on: date
    score: Decimal = Field(ge=0, le=100)


class PlanVersionData(Contract):
    """实施方案 version changes (R4.2.2.3–4)."""

    version: int
    status: str
    reasons: str | None = None


class SiteSurveyData(Contract):
    surveyed_on: date
    participants: list[str]


class ChecklistItemData(Contract):
    code: str
    status: str
    document_ref: str | None


class ConsultationData(Contract):
    """专家咨询会 (R4.2.2.4)."""

    held_on: date
    experts: list[str]
    conclusion: str


class ContractSignedData(Contract):
    signed_on: date


class ListItemFinishedData(Contract):
    item_id: UUID
    status: str = Field(description="done or waived")
    waived_reason: str | None = None


class StageReportData(Contract):
    """阶段性工作报告 (R4.2.3.2) at one version of its review loop."""

    report_no: int
    version: int
    period_start: date
    period_end: date
    status: str = Field(description="submitted, accepted or objected")
    feedback: str | None = None


class SeminarData(Contract):
    """技术研讨会 with experts and government departments (R4.2.3.2)."""

    held_on: date
    experts: list[str]
    departments: list[str]
    conclusion: str
    report_no: int | None = None


class HandedOverData(Contract):
    """归档与移交 (R4.2.4.2)."""

    handed_over_on: date
    deliverables: list[str]


class MilestoneOverdueData(Contract):
    """A time node (时间节点) passed with its list item still open."""

    item_id: UUID
    catalogue_code: str
    due_date: date
    detected_on: date


class RectificationData(Contract):
    rectification_id: UUID
    problem_key: str
    status: str
    due_date: date
    recurring: bool


class RectificationOverdueData(Contract):
    """A rectification item (整改) past its due date and not closed."""

    rectification_id: UUID
    problem_key: str
    due_date: date
    detected_on: date


class WorkLoggedData(Contract):
    person: str
    worked_on: date
    mode: str
    hours: Decimal


class StageChangedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.stage_changed.v1"] = "engagement.stage_changed.v1"
    data: StageChangedData  # type: ignore[assignment]


class ListItemAddedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.list_item_added.v1"] = "engagement.list_item_added.v1"
    data: ListItemAddedData  # type: ignore[assignment]


class TeamFormedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.team_formed.v1"] = "engagement.team_formed.v1"
    data: TeamFormedData  # type: ignore[assignment]


class InspectionCompletedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.inspection_completed.v1"] = "engagement.inspection_completed.v1"
    data: InspectionCompletedData  # type: ignore[assignment]


class TrainingHeldV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.training_held.v1"] = "engagement.training_held.v1"
    data: TrainingHeldData  # type: ignore[assignment]


class EmergencyClosedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.emergency_closed.v1"] = "engagement.emergency_closed.v1"
    data: EmergencyClosedData  # type: ignore[assignment]


class ComplaintRecordedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.complaint_recorded.v1"] = "engagement.complaint_recorded.v1"
    data: ComplaintRecordedData  # type: ignore[assignment]


class PenaltyRecordedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.penalty_recorded.v1"] = "engagement.penalty_recorded.v1"
    data: PenaltyRecordedData  # type: ignore[assignment]


class SurveyRecordedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.survey_recorded.v1"] = "engagement.survey_recorded.v1"
    data: SurveyRecordedData  # type: ignore[assignment]


class PlanDraftedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.plan_drafted.v1"] = "engagement.plan_drafted.v1"
    data: PlanVersionData  # type: ignore[assignment]


class PlanSubmittedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.plan_submitted.v1"] = "engagement.plan_submitted.v1"
    data: PlanVersionData  # type: ignore[assignment]


class PlanConfirmedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.plan_confirmed.v1"] = "engagement.plan_confirmed.v1"
    data: PlanVersionData  # type: ignore[assignment]


class PlanObjectedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.plan_objected.v1"] = "engagement.plan_objected.v1"
    data: PlanVersionData  # type: ignore[assignment]


class SiteSurveyRecordedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.site_survey_recorded.v1"] = "engagement.site_survey_recorded.v1"
    data: SiteSurveyData  # type: ignore[assignment]


class ChecklistItemUpdatedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.checklist_item_updated.v1"] = "engagement.checklist_item_updated.v1"
    data: ChecklistItemData  # type: ignore[assignment]


class ConsultationHeldV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.consultation_held.v1"] = "engagement.consultation_held.v1"
    data: ConsultationData  # type: ignore[assignment]


class ContractSignedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.contract_signed.v1"] = "engagement.contract_signed.v1"
    data: ContractSignedData  # type: ignore[assignment]


class ListItemFinishedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.list_item_finished.v1"] = "engagement.list_item_finished.v1"
    data: ListItemFinishedData  # type: ignore[assignment]


class StageReportSubmittedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.stage_report_submitted.v1"] = "engagement.stage_report_submitted.v1"
    data: StageReportData  # type: ignore[assignment]


class StageReportAcceptedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.stage_report_accepted.v1"] = "engagement.stage_report_accepted.v1"
    data: StageReportData  # type: ignore[assignment]


class StageReportObjectedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.stage_report_objected.v1"] = "engagement.stage_report_objected.v1"
    data: StageReportData  # type: ignore[assignment]


class SeminarHeldV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.seminar_held.v1"] = "engagement.seminar_held.v1"
    data: SeminarData  # type: ignore[assignment]


class HandedOverV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.handed_over.v1"] = "engagement.handed_over.v1"
    data: HandedOverData  # type: ignore[assignment]


class MilestoneOverdueV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.milestone_overdue.v1"] = "engagement.milestone_overdue.v1"
    data: MilestoneOverdueData  # type: ignore[assignment]


class RectificationRaisedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.rectification_raised.v1"] = "engagement.rectification_raised.v1"
    data: RectificationData  # type: ignore[assignment]


class RectificationUpdatedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.rectification_updated.v1"] = "engagement.rectification_updated.v1"
    data: RectificationData  # type: ignore[assignment]


class RectificationOverdueV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.rectification_overdue.v1"] = "engagement.rectification_overdue.v1"
    data: RectificationOverdueData  # type: ignore[assignment]


class WorkLoggedV1(EventEnvelope):
    model_config = _TYPED
    type: Literal["engagement.work_logged.v1"] = "engagement.work_logged.v1"
    data: WorkLoggedData  # type: ignore[assignment]


WORKFLOW_EVENTS: tuple[type[EventEnvelope], ...] = (
    StageChangedV1,
    ListItemAddedV1,
    TeamFormedV1,
    InspectionCompletedV1,
    TrainingHeldV1,
    EmergencyClosedV1,
    ComplaintRecordedV1,
    PenaltyRecordedV1,
    SurveyRecordedV1,
    MilestoneOverdueV1,
    RectificationRaisedV1,
    RectificationUpdatedV1,
    RectificationOverdueV1,
    WorkLoggedV1,
    PlanDraftedV1,
    PlanSubmittedV1,
    PlanConfirmedV1,
    PlanObjectedV1,
    SiteSurveyRecordedV1,
    ChecklistItemUpdatedV1,
    ConsultationHeldV1,
    ContractSignedV1,
    ListItemFinishedV1,
    StageReportSubmittedV1,
    StageReportAcceptedV1,
    StageReportObjectedV1,
    SeminarHeldV1,
    HandedOverV1,
)
