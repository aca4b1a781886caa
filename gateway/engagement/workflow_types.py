"""GraphQL types of the workflow: catalogue, service list, team, plan, checklist, records."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Self, cast

import strawberry
from strawberry.scalars import JSON

from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from contracts.engagement.enums import ChecklistStatus


@strawberry.type(description="托管服务内容 (clause 6): one catalogue entry.")
class CatalogueItem:
    code: str = strawberry.field(description="Stable code, e.g. `6.1.5`, `6.2.3.1`.")
    parent_code: str | None
    kind: str = strawberry.field(description="`regular` (6.1) or `customised` (6.2).")
    name_zh: str
    name_en: str
    description: str
    version: int

    @classmethod
    def from_view(cls, v: engagement_rpc_workflow.CatalogueItemView) -> Self:
        return cls(**v.model_dump())


@strawberry.type(description="托管服务清单 item (R4.2.2.1).")
class ListItem:
    id: strawberry.ID
    catalogue_code: str
    scope: str
    expected_effect: str
    target: str
    contracted_quantity: int | None
    quantity_unit: str | None
    due_date: date | None
    customised: bool
    status: str = strawberry.field(description="proposed, open, done or waived.")
    waived_reason: str | None
    done_quantity: int = strawberry.field(description="Recorded activities linked to it.")
    overdue: bool = strawberry.field(description="Open with its time node passed.")

    @classmethod
    def from_view(cls, v: engagement_rpc_workflow.ListItemView) -> Self:
        return cls(**(v.model_dump() | {"id": strawberry.ID(str(v.id))}))


@strawberry.type(description="A member of the service team (R4.2.2.2).")
class TeamMember:
    person_id: strawberry.ID
    name: str
    role: str
    qualification: str | None


@strawberry.type(description="实施方案, one version (R4.2.2.3–4).")
class PlanVersion:
    version: int
    status: str = strawberry.field(description="draft, submitted, objected or confirmed.")
    content: str
    objection_reasons: str | None
    submitted_at: datetime | None
    decided_at: datetime | None


@strawberry.type(description="One document of 表 A.1 for this engagement.")
class ChecklistItem:
    code: str
    section: str
    title_zh: str
    title_en: str
    status: str = strawberry.field(description="pending, received or not_applicable.")
    document_ref: str | None


@strawberry.type(description="Appendix A document collection: what is in and what is missing.")
class Checklist:
    items: list[ChecklistItem]

    @strawberry.field(description="Share of items received or not applicable, 0–100.")
    def completeness(self) -> float:
        if not self.items:
            return 100.0
        settled = sum(1 for i in self.items if i.status != ChecklistStatus.PENDING)
        return round(100 * settled / len(self.items), 1)

    @strawberry.field(description="The items still pending.")
    def missing(self) -> list[ChecklistItem]:
        return [i for i in self.items if i.status == ChecklistStatus.PENDING]


@strawberry.type(description="阶段性工作报告 (R4.2.3.2), one version of its review loop.")
class StageReport:
    report_no: int
    version: int
    period_start: date
    period_end: date
    problems: str
    solutions: str
    status: str = strawberry.field(description="submitted, accepted or objected.")
    feedback: str | None
    submitted_at: datetime
    reviewed_at: datetime | None


@strawberry.type(description="整改 item from an inspection, through verification and closure.")
class Rectification:
    id: strawberry.ID
    problem_key: str
    description: str
    plan: str
    owner: str
    due_date: date
    status: str = strawberry.field(description="open, rectified or closed.")
    raised_on: date
    closed_on: date | None
    notes: list[str]
    overdue: bool
    recurring: bool = strawberry.field(
        description="The unit had this problem more than 3 times in 12 months."
    )

    @classmethod
    def from_view(cls, v: engagement_rpc_workflow.RectificationView) -> Self:
        return cls(**(v.model_dump() | {"id": strawberry.ID(str(v.id))}))


@strawberry.type(description="A meeting an expert was invited to: consultation or seminar.")
class Meeting:
    engagement_id: strawberry.ID = strawberry.field(description="The engagement's global ID.")
    record_id: strawberry.ID
    kind: str = strawberry.field(description="expert_consultation or technical_seminar.")
    held_on: date
    details: JSON

    @classmethod
    def from_view(cls, v: engagement_rpc_workflow.MeetingView) -> Self:
        return cls(
            engagement_id=strawberry.ID(_global("Engagement", v.engagement_id)),
            record_id=strawberry.ID(str(v.record_id)),
            kind=v.kind,
            held_on=v.held_on,
            details=cast(JSON, v.details),
        )


@strawberry.type(description="A recorded activity: survey, consultation, inspection, …")
class ServiceRecord:
    id: strawberry.ID
    kind: str
    occurred_on: date
    details: JSON
    recorded_by: str
    recorded_at: datetime


def team_of(view: engagement_rpc_workflow.WorkflowView) -> list[TeamMember]:
    return [
        TeamMember(
            person_id=strawberry.ID(str(m.person_id)),
            name=m.name,
            role=m.role,
            qualification=m.qualification,
        )
        for m in view.team
    ]


def plans_of(view: engagement_rpc_workflow.WorkflowView) -> list[PlanVersion]:
    return [PlanVersion(**p.model_dump()) for p in view.plan_versions]


def checklist_of(
    view: engagement_rpc_workflow.WorkflowView,
    definition: engagement_rpc_workflow.ChecklistDefinitionReply,
) -> Checklist:
    """The engagement's document states joined with the 表 A.1 titles."""
    titles = {d.code: d for d in definition.items}
    return Checklist(
        items=[
            ChecklistItem(
                code=c.code,
                section=titles[c.code].section if c.code in titles else "",
                title_zh=titles[c.code].title_zh if c.code in titles else c.code,
                title_en=titles[c.code].title_en if c.code in titles else c.code,
                status=c.status,
                document_ref=c.document_ref,
            )
            for c in view.checklist
        ]
    )


def reports_of(view: engagement_rpc_workflow.WorkflowView) -> list[StageReport]:
    return [StageReport(**r.model_dump()) for r in view.stage_reports]


def records_of(view: engagement_rpc_workflow.WorkflowView, kind: str | None) -> list[ServiceRecord]:
    return [
        ServiceRecord(
            id=strawberry.ID(str(r.id)),
            kind=r.kind,
            occurred_on=r.occurred_on,
            details=cast(JSON, r.details),
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )
        for r in view.records
        if kind is None or r.kind == kind
    ]


@strawberry.type(description="A list item falling due (or overdue) in one of your engagements.")
class DueItem:
    engagement_id: strawberry.ID = strawberry.field(description="The engagement's global ID.")
    unit_id: strawberry.ID = strawberry.field(description="The unit's global ID.")
    agency_id: str
    item: ListItem
    overdue: bool

    @classmethod
    def from_view(cls, v: engagement_rpc_workflow.DueItemView) -> Self:
        return cls(
            engagement_id=strawberry.ID(_global("Engagement", v.engagement_id)),
            unit_id=strawberry.ID(_global("Unit", v.unit_id)),
            agency_id=str(v.agency_id),
            item=ListItem.from_view(v.item),
            overdue=v.overdue,
        )


def _global(type_name: str, id_: object) -> str:
    return base64.b64encode(f"{type_name}:{id_}".encode()).decode()
