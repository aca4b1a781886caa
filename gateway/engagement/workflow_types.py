"""GraphQL types of the workflow: catalogue, service list, team, plan, checklist, records."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Self, cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from contracts.engagement.enums import ChecklistStatus, EvidenceRole, RevisionChange
from gateway.archive.catalogue_types import ArchiveItem
from gateway.context import Context

# The domain enum itself becomes the GraphQL enum, so the two cannot drift apart.
strawberry.enum(
    EvidenceRole,
    description="What a record's evidence shows: the record, or a "
    "rectification item before (整改前) or after (整改后) the work.",
)


async def _evidence(
    info: strawberry.Info[Context, None],
    links: list[engagement_rpc_workflow.EvidenceLinkView],
    role: EvidenceRole | None,
) -> list[ArchiveItem]:
    """The linked items the caller may see, in link order; one archive request for all
    the records of a query (the `archive_items` DataLoader). An item the caller may not
    see (tenant or 密级) is absent, as in every other list."""
    wanted = [link.item_id for link in links if role is None or link.role == role]
    views = await info.context.loaders.archive_items.load_many(wanted)
    return [ArchiveItem.from_view(v) for v in views if v is not None]


strawberry.enum(RevisionChange, description="How a version came to be (更正/作废).")


@strawberry.type(
    description="One version of a record, list item, team member or unit profile: its "
    "content as it stood, how it came to be, by whom, when and why. Oldest first."
)
class RecordVersion:
    version: int
    change: RevisionChange
    content: JSON = strawberry.field(description="The fields as they stood (snake_case).")
    reason: str | None = strawberry.field(description="Why; null for the original.")
    changed_by: str | None = strawberry.field(description="Who; null if not recorded.")
    changed_at: datetime | None

    @classmethod
    def from_view(cls, v: engagement_rpc_workflow.RevisionView) -> Self:
        return cls(
            version=v.version,
            change=RevisionChange(v.change),
            content=cast(JSON, v.content),
            reason=v.reason,
            changed_by=v.changed_by,
            changed_at=v.changed_at,
        )


Versions = dict[str, list[RecordVersion]]


def versions_of(view: engagement_rpc_workflow.WorkflowView) -> Versions:
    """Each corrected or voided subject's versions, by its id."""
    found: Versions = {}
    for r in view.revisions:
        found.setdefault(str(r.subject_id), []).append(RecordVersion.from_view(r))
    return found


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
    version: int = strawberry.field(default=1, description="Raised by each correction.")
    voided: bool = strawberry.field(default=False, description="Voided (作废): kept, not counted.")
    versions: list[RecordVersion] = strawberry.field(
        default_factory=list,
        description="Every version once corrected or voided, oldest first; empty if never.",
    )

    @classmethod
    def from_view(
        cls, v: engagement_rpc_workflow.ListItemView, versions: Versions | None = None
    ) -> Self:
        history = (versions or {}).get(str(v.id), [])
        return cls(**(v.model_dump() | {"id": strawberry.ID(str(v.id)), "versions": history}))


@strawberry.type(description="A member of the service team (R4.2.2.2).")
class TeamMember:
    person_id: strawberry.ID
    name: str
    role: str
    qualification: str | None
    version: int = strawberry.field(default=1, description="Raised by each correction.")
    voided: bool = strawberry.field(default=False, description="Voided (作废): no longer counted.")
    versions: list[RecordVersion] = strawberry.field(
        default_factory=list,
        description="Every version once corrected or voided, oldest first; empty if never.",
    )


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
    document_ref: str | None = strawberry.field(
        description="The received document's ArchiveItem id; for a document recorded "
        "before references were checked, its free text (see `legacyDocumentRef`)."
    )
    legacy_document_ref: str | None = strawberry.field(
        default=None, description="Free text recorded before references were checked."
    )
    document_item: strawberry.Private[UUID | None] = None

    @strawberry.field(description="The received document, if you may see it.")
    async def document(self, info: strawberry.Info[Context, None]) -> ArchiveItem | None:
        if self.document_item is None:
            return None
        view = await info.context.loaders.archive_items.load(self.document_item)
        return ArchiveItem.from_view(view) if view is not None else None


@strawberry.type(description="Appendix A document collection: what is in and what is missing.")
class Checklist:
    # The engagement's document states and the 表 A.1 titles; the items are built only
    # when asked for (a dashboard asks for completeness only: 50 × the list otherwise).
    entries: strawberry.Private[list[engagement_rpc_workflow.ChecklistItemView]]
    titles: strawberry.Private[dict[str, engagement_rpc_workflow.ChecklistDefinitionItem]]
    # Settled and total documents, when the query asked for completeness only
    # (gateway.engagement.selection); then `entries` is empty.
    counts: strawberry.Private[engagement_rpc_workflow.ChecklistCounts | None] = None

    @strawberry.field
    def items(self) -> list[ChecklistItem]:
        return [_checklist_item(c, self.titles) for c in self.entries]

    @strawberry.field(description="Share of items received or not applicable, 0–100.")
    def completeness(self) -> float:
        if self.counts is not None:
            settled, total = self.counts.settled, self.counts.total
        else:
            settled = sum(1 for c in self.entries if c.status != ChecklistStatus.PENDING)
            total = len(self.entries)
        return round(100 * settled / total, 1) if total else 100.0

    @strawberry.field(description="The items still pending.")
    def missing(self) -> list[ChecklistItem]:
        return [
            _checklist_item(c, self.titles)
            for c in self.entries
            if c.status == ChecklistStatus.PENDING
        ]


def _checklist_item(
    c: engagement_rpc_workflow.ChecklistItemView,
    titles: dict[str, engagement_rpc_workflow.ChecklistDefinitionItem],
) -> ChecklistItem:
    """One engagement's state of a 表 A.1 document, joined with its titles."""
    title = titles.get(c.code)
    return ChecklistItem(
        code=c.code,
        section=title.section if title else "",
        title_zh=title.title_zh if title else c.code,
        title_en=title.title_en if title else c.code,
        status=c.status,
        document_ref=_global("ArchiveItem", c.document_item_id)
        if c.document_item_id
        else c.document_ref,
        legacy_document_ref=None if c.document_item_id else c.document_ref,
        document_item=c.document_item_id,
    )


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
    links: strawberry.Private[list[engagement_rpc_workflow.EvidenceLinkView]]

    @strawberry.field(description="Archive items linked as evidence (BEFORE/AFTER: 整改前/后).")
    async def evidence(
        self, info: strawberry.Info[Context, None], role: EvidenceRole | None = None
    ) -> list[ArchiveItem]:
        return await _evidence(info, self.links, role)

    @classmethod
    def from_view(cls, v: engagement_rpc_workflow.RectificationView) -> Self:
        fields = v.model_dump(exclude={"evidence"})
        return cls(**(fields | {"id": strawberry.ID(str(v.id)), "links": v.evidence}))


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
    links: strawberry.Private[list[engagement_rpc_workflow.EvidenceLinkView]]

    @strawberry.field(
        description="Archive items linked as its evidence (photos, sign-in "
        "sheets, reports), those you may see."
    )
    async def evidence(
        self, info: strawberry.Info[Context, None], role: EvidenceRole | None = None
    ) -> list[ArchiveItem]:
        return await _evidence(info, self.links, role)

    version: int = strawberry.field(default=1, description="Raised by each correction.")
    voided: bool = strawberry.field(default=False, description="Voided (作废): no longer counted.")
    versions: list[RecordVersion] = strawberry.field(
        default_factory=list,
        description="Every version once corrected or voided, oldest first; empty if never.",
    )


def team_of(
    view: engagement_rpc_workflow.WorkflowView, include_voided: bool = False
) -> list[TeamMember]:
    versions = versions_of(view)
    return [
        TeamMember(
            person_id=strawberry.ID(str(m.person_id)),
            name=m.name,
            role=m.role,
            qualification=m.qualification,
            version=m.version,
            voided=m.voided,
            versions=versions.get(str(m.id), []),
        )
        for m in view.team
        if include_voided or not m.voided
    ]


def list_items_of(
    view: engagement_rpc_workflow.WorkflowView, include_voided: bool = False
) -> list[ListItem]:
    versions = versions_of(view)
    return [
        ListItem.from_view(i, versions) for i in view.list_items if include_voided or not i.voided
    ]


def plans_of(view: engagement_rpc_workflow.WorkflowView) -> list[PlanVersion]:
    return [PlanVersion(**p.model_dump()) for p in view.plan_versions]


def checklist_of(
    view: engagement_rpc_workflow.WorkflowView,
    definition: engagement_rpc_workflow.ChecklistDefinitionReply,
) -> Checklist:
    """The engagement's document states with the 表 A.1 titles."""
    return Checklist(entries=view.checklist, titles={d.code: d for d in definition.items})


def reports_of(view: engagement_rpc_workflow.WorkflowView) -> list[StageReport]:
    return [StageReport(**r.model_dump()) for r in view.stage_reports]


def records_of(
    view: engagement_rpc_workflow.WorkflowView, kind: str | None, include_voided: bool = False
) -> list[ServiceRecord]:
    versions = versions_of(view)
    return [
        ServiceRecord(
            id=strawberry.ID(str(r.id)),
            kind=r.kind,
            occurred_on=r.occurred_on,
            details=cast(JSON, r.details),
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
            links=list(r.evidence),
            version=r.version,
            voided=r.voided,
            versions=versions.get(str(r.id), []),
        )
        for r in view.records
        if (kind is None or r.kind == kind) and (include_voided or not r.voided)
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
