"""The inputs of the workflow steps (figure 1): each names the engagement it acts on."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from contracts.engagement.enums import SurveyMethod

# The `evidence` of every input that creates a record (or reports a rectification done).
EVIDENCE = (
    "ArchiveItem ids linked to the record as its evidence: filed items of this "
    "engagement you may see (checked by the archive). On a rectification item: its "
    "state before; on reportRectified: after."
)


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
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


@strawberry.input
class ChecklistItemInput:
    engagement_id: strawberry.ID
    code: str = strawberry.field(description="表 A.1 item code, e.g. `A.3.01`.")
    status: str = strawberry.field(description="pending, received or not_applicable.")
    document_ref: strawberry.ID | None = strawberry.field(
        default=None,
        description="ArchiveItem id of the received document: a filed item of this "
        "engagement you may see (checked by the archive, as evidence is).",
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
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


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
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


@strawberry.input
class TrainingInput:
    engagement_id: strawberry.ID
    topic: str
    held_on: date
    attendees: int
    has_records: bool
    list_item_id: strawberry.ID | None = None
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


@strawberry.input
class EmergencyInput:
    engagement_id: strawberry.ID
    reported_at: datetime
    responded_at: datetime
    closed_at: datetime
    contracted_response_minutes: int
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


@strawberry.input
class ComplaintInput:
    engagement_id: strawberry.ID
    received_on: date
    verified: bool
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


@strawberry.input
class PenaltyInput:
    engagement_id: strawberry.ID
    decided_on: date
    authority: str
    amount: Decimal
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


@strawberry.input
class SurveyAnswerInput:
    question: str
    answer: str


@strawberry.input
class SatisfactionSurveyInput:
    engagement_id: strawberry.ID
    method: SurveyMethod = strawberry.field(
        description="问卷、走访、网络调查、电话访问或现场勘察 (R4.2.3.1)."
    )
    conducted_on: date
    score: Decimal = strawberry.field(description="0–100.")
    answers: list[SurveyAnswerInput] = strawberry.field(default_factory=list)
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


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
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


@strawberry.input
class RectifiedInput:
    engagement_id: strawberry.ID
    rectification_id: strawberry.ID
    note: str
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


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
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


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
    evidence: list[strawberry.ID] = strawberry.field(default_factory=list, description=EVIDENCE)


@strawberry.input(
    description="验收 (R4.2.5): accept the handed-over results, or return them with reasons."
)
class DecideResultsInput:
    engagement_id: strawberry.ID
    accept: bool
    decided_on: date
    reasons: str | None = strawberry.field(default=None, description="Required to return them.")
