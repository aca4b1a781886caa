"""What the engagement's events carry (their `data`): the directory's and the workflow's
(figure 1) facts that other services act on.

The archive traces all of them; the evaluation service turns them into evidence for
Appendix C scores (e.g. inspections done vs contracted → 二.2). Amounts and scores are
decimal strings in JSON (`Decimal` in Python), never floats.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import Field

from contracts.archive.handover import HandoverWaiver
from contracts.compliance.enums import Frequency, ManagementCategory
from contracts.core import Contract
from contracts.engagement.agreement import AssessmentMethod, FeeTerms
from contracts.engagement.enums import (
    ChecklistStatus,
    EngagementStatus,
    EvidenceRole,
    LinkDirection,
    LinkRequestStatus,
    LinkStatus,
    ListItemStatus,
    PlanStatus,
    RectificationStatus,
    RevisionChange,
    RevisionSubject,
    ServiceMode,
    Stage,
    StageReportStatus,
    SurveyMethod,
)


class UnitRegisteredData(Contract):
    unit_id: UUID
    name: str
    uscc: str
    industry_code: str
    region_code: str
    registered_by_agency_id: UUID | None
    agency_file_name: str | None = Field(
        default=None,
        description="The name in the registering agency's own file of a unit the registry "
        "already had (a provisional link, issue 14): what that agency is shown instead of "
        "`name` until the unit shares its file with it.",
    )


class ImportedPermit(Contract):
    """A permit (排污许可证) as a row of an import file gave it, already checked by
    contracts.compliance.permits; `report_frequencies` None: the category's default."""

    row: int = Field(description="Its row in the permits sheet or file, for the agency.")
    number: str
    authority: str
    category: ManagementCategory
    valid_from: date
    valid_to: date
    report_frequencies: list[Frequency] | None = None


class UnitPermitsImportedData(Contract):
    """Permits an agency imported with a unit: the compliance service registers each that
    is new, as registerPermit would for that agency."""

    unit_id: UUID
    uscc: str
    agency_id: UUID
    permits: list[ImportedPermit]


class EngagementCreatedData(Contract):
    engagement_id: UUID
    unit_id: UUID
    agency_id: UUID
    service_modes: list[ServiceMode]
    period_start: date
    period_end: date
    status: Stage
    assessment: AssessmentMethod | None = Field(
        default=None, description="考核办法 of the agreement; none: the agency's own evaluators."
    )
    fee_terms: FeeTerms | None = None
    client_id: UUID | None = Field(
        default=None,
        description="The client that is not one unit (园区, 集团, 区域) the engagement is "
        "for; none: the unit itself is the client. Older events carry none.",
    )
    covered_unit_ids: list[UUID] = Field(
        default_factory=list,
        description="Every unit a client's engagement covers, its own unit first; empty "
        "for a single-unit engagement.",
    )


class StageChangedData(Contract):
    engagement_id: UUID
    from_stage: Stage
    to_stage: Stage


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
    method: SurveyMethod
    conducted_on: date
    score: Decimal = Field(ge=0, le=100)


class PlanVersionData(Contract):
    """实施方案 version changes (R4.2.2.3–4)."""

    version: int
    status: PlanStatus
    reasons: str | None = None


class SiteSurveyData(Contract):
    surveyed_on: date
    participants: list[str]


class ChecklistItemData(Contract):
    code: str
    status: ChecklistStatus
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
    status: ListItemStatus = Field(description="done or waived")
    waived_reason: str | None = None


class StageReportData(Contract):
    """阶段性工作报告 (R4.2.3.2) at one version of its review loop."""

    report_no: int
    version: int
    period_start: date
    period_end: date
    status: StageReportStatus
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
    deliverables: list[UUID]  # archive item ids, in the order handed over
    waivers: list[HandoverWaiver] = Field(default_factory=list)  # required kinds waived, why


class MilestoneOverdueData(Contract):
    """A time node (时间节点) passed with its list item still open."""

    item_id: UUID
    catalogue_code: str
    due_date: date
    detected_on: date


class RectificationData(Contract):
    rectification_id: UUID
    problem_key: str
    status: RectificationStatus
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
    mode: ServiceMode
    hours: Decimal


class RevisionData(Contract):
    """A correction (更正) or void (作废): which subject, its new version, who changed it
    (the envelope's actor) and why, with the content before and after.

    `evidence_type`/`evidence` are the facts the subject now stands for, in the shape of
    the event that first announced it (e.g. `engagement.inspection_completed.v1`), so the
    evaluation service replaces what it kept under `evidence_subject_id`; a void carries
    none (the subject no longer counts), except for the team, whose facts are the team
    as it now stands."""

    subject: RevisionSubject
    subject_id: UUID
    kind: str | None = Field(default=None, description="The record's kind, for records.")
    version: int = Field(ge=2)
    change: RevisionChange
    reason: str
    before: dict[str, Any]
    after: dict[str, Any] | None = None
    evidence_subject_id: UUID | None = None
    evidence_type: str | None = None
    evidence: dict[str, Any] | None = None


class LifecycleData(Contract):
    """The engagement was suspended, resumed, terminated early or cancelled."""

    engagement_id: UUID
    status: EngagementStatus
    reason: str | None = None
    on: date | None = Field(default=None, description="From, resumed on, or terminated on.")
    by_agreement: bool | None = None
    stage: Stage


class ResultsAcceptedData(Contract):
    """验收 (R4.2.5): the client accepted the handed-over results; evaluation opens."""

    accepted_on: date


class EvidenceChangedData(Contract):
    """Archive items linked to, or unlinked from, a service record or a rectification
    item (R4.2.3.1 evidence; traceability of what each record stands on)."""

    record_id: UUID
    item_ids: list[UUID] = Field(description="The items this change linked or unlinked.")
    role: EvidenceRole | None = Field(
        default=None, description="What the items show; none when they were unlinked."
    )
    linked: bool = Field(description="True: linked; false: unlinked.")


class ResultsReturnedData(Contract):
    """The client returned the handed-over results with its reasons: back to results,
    to be handed over again."""

    returned_on: date
    reasons: str


class UnitLinkRequestData(Contract):
    """A proposal or invitation, and each change of its state. `unit_id` is None while no
    unit of the registry has the proposal's USCC."""

    request_id: UUID
    direction: LinkDirection
    status: LinkRequestStatus
    uscc: str
    unit_id: UUID | None
    agency_id: UUID
    reason: str | None = None
    expires_at: datetime | None = Field(
        default=None, description="When a pending request expires unanswered."
    )


class UnitLinkData(Contract):
    """An agency's link to a unit began (`active`) or ended."""

    unit_id: UUID
    agency_id: UUID
    status: LinkStatus
    via: str
