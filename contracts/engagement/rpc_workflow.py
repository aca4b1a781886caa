"""Workflow steps of an engagement as one request/reply command with typed actions.

`ACT` carries one `Action` (a discriminated union on `action`, in
`contracts.engagement.actions`) for one engagement; the engagement service applies it
under the state machine and answers with the engagement's new state. One endpoint keeps
the wire contract small while every step stays typed and versioned in the union.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from contracts.core import Contract, Rpc, Scope
from contracts.engagement.actions import ActRequest
from contracts.engagement.enums import (
    CatalogueKind,
    ChecklistStatus,
    EvidenceRole,
    ListItemStatus,
    PlanStatus,
    RecordKind,
    RectificationStatus,
    RevisionChange,
    RevisionSubject,
    StageReportStatus,
)
from contracts.engagement.event_data import TeamMember
from contracts.engagement.rpc import EngagementView


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
    status: ListItemStatus
    waived_reason: str | None
    done_quantity: int = Field(description="Recorded activities linked to this item.")
    overdue: bool = Field(default=False, description="Open with its time node passed.")
    version: int = 1
    voided: bool = False


class PlanVersionView(Contract):
    version: int
    status: PlanStatus
    content: str
    objection_reasons: str | None
    submitted_at: datetime | None
    decided_at: datetime | None


class ChecklistItemView(Contract):
    """An engagement's state of one 表 A.1 document; its titles are reference data
    (`CHECKLIST_DEFINITION`), not repeated for every engagement."""

    code: str
    status: ChecklistStatus
    document_ref: str | None = Field(
        description="The archive item's id, or free text recorded before references "
        "were checked (legacy: then `document_item_id` is null)."
    )
    document_item_id: UUID | None = Field(default=None, description="The checked archive item.")


class ChecklistCounts(Contract):
    """How many of the engagement's 表 A.1 documents are settled (received or not
    applicable) of how many: completeness without the list."""

    settled: int
    total: int


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
    status: StageReportStatus
    feedback: str | None
    submitted_at: datetime
    reviewed_at: datetime | None


class EvidenceLinkView(Contract):
    """An archive item linked to a record as its evidence."""

    item_id: UUID
    role: EvidenceRole
    linked_by: str
    linked_at: datetime


class RectificationView(Contract):
    id: UUID
    problem_key: str
    description: str
    plan: str
    owner: str
    due_date: date
    status: RectificationStatus
    raised_on: date
    closed_on: date | None
    notes: list[str]
    overdue: bool
    recurring: bool = Field(description="Same problem more than 3 times in 12 months.")
    evidence: list[EvidenceLinkView] = Field(default_factory=list)


class RecordView(Contract):
    """One recorded activity (survey, consultation, inspection, training, …)."""

    id: UUID
    kind: RecordKind
    occurred_on: date
    details: dict[str, Any]
    recorded_by: str
    recorded_at: datetime
    evidence: list[EvidenceLinkView] = Field(default_factory=list)
    version: int = 1
    voided: bool = False


class TeamMemberView(TeamMember):
    """A team row: the member, and whether it was corrected (version) or voided."""

    id: UUID
    version: int = 1
    voided: bool = False


class RevisionView(Contract):
    """One version of a corrected or voided subject (更正/作废), oldest first."""

    subject: RevisionSubject
    subject_id: UUID
    version: int
    change: RevisionChange
    content: dict[str, Any]
    reason: str | None
    changed_by: str | None
    changed_at: datetime | None


class WorkflowView(Contract):
    engagement_id: UUID
    contracted_team_size: int | None
    team: list[TeamMemberView]
    list_items: list[ListItemView]
    plan_versions: list[PlanVersionView]
    checklist: list[ChecklistItemView]
    records: list[RecordView]
    stage_reports: list[StageReportView]
    rectifications: list[RectificationView]
    contract_signed_on: date | None
    handed_over_on: date | None
    deliverables: list[str]
    revisions: list[RevisionView] = Field(
        default_factory=list, description="Versions of corrected or voided subjects."
    )
    checklist_counts: ChecklistCounts | None = Field(
        default=None, description="Sent when asked for (part `checklist_counts`)."
    )


WorkflowPart = Literal[
    "team",
    "list_items",
    "plan_versions",
    "checklist",
    "checklist_counts",
    "records",
    "stage_reports",
    "rectifications",
    "revisions",
]
"""The lists of a `WorkflowView` a caller may ask for by name; the scalar fields
(team size, contract and handover dates, deliverables) always come."""


class WorkflowRequest(Contract):
    engagement_ids: list[UUID] = Field(max_length=500)
    scope: Scope
    parts: list[WorkflowPart] | None = Field(
        default=None,
        description="Only these lists are read and sent; the others come empty. "
        "Null: every list (the gateway asks for what the query selects).",
    )


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
    scope: Scope = Field(description="The expert's tenant: only its engagements are read.")


class MeetingView(Contract):
    """An expert consultation (专家咨询会) or technical seminar (技术研讨会)."""

    engagement_id: UUID
    record_id: UUID
    kind: RecordKind
    held_on: date
    details: dict[str, Any]


class MeetingsReply(Contract):
    items: list[MeetingView]


class CatalogueItemView(Contract):
    code: str
    parent_code: str | None
    kind: CatalogueKind
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
