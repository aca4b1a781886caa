"""Reading an engagement's workflow state and the catalogue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import ValidationFailed
from contracts.engagement import rpc_workflow as wf
from contracts.engagement.event_data import TeamMember
from services.engagement import clock, rectifications, repository, schedule
from services.engagement.models import (
    CatalogueItem,
    ChecklistEntry,
    Engagement,
    ListItem,
    PlanVersion,
    Rectification,
    ServiceRecord,
    StageReport,
    TeamMemberRow,
    Unit,
)
from services.engagement.seed import catalogue_v1, checklist_a1_v1


def checklist_for(engagement_id: UUID) -> list[ChecklistEntry]:
    """表 A.1 instantiated for a new engagement: every document pending."""
    return [
        ChecklistEntry(
            engagement_id=engagement_id,
            code=code,
            section=section,
            title_zh=zh,
            title_en=en,
            status="pending",
            document_ref=None,
        )
        for code, section, zh, en in checklist_a1_v1.ITEMS
    ]


async def checklist_definition(
    session: AsyncSession, req: wf.ChecklistDefinitionRequest
) -> wf.ChecklistDefinitionReply:
    """表 A.1 as published (version 1 is the only one so far)."""
    if req.version not in (None, checklist_a1_v1.VERSION):
        raise ValidationFailed(f"no checklist version {req.version}", field="version")
    return wf.ChecklistDefinitionReply(
        version=checklist_a1_v1.VERSION,
        items=[
            wf.ChecklistDefinitionItem(code=code, section=section, title_zh=zh, title_en=en)
            for code, section, zh, en in checklist_a1_v1.ITEMS
        ],
    )


async def catalogue(session: AsyncSession, req: wf.CatalogueRequest) -> wf.CatalogueReply:
    version = req.version or catalogue_v1.VERSION
    rows = await session.scalars(
        select(CatalogueItem).where(CatalogueItem.version == version).order_by(CatalogueItem.code)
    )
    return wf.CatalogueReply(
        items=[
            wf.CatalogueItemView(
                code=r.code,
                parent_code=r.parent_code,
                kind=r.kind,
                name_zh=r.name_zh,
                name_en=r.name_en,
                description=r.description,
                version=r.version,
            )
            for r in rows
        ]
    )


async def workflows(session: AsyncSession, req: wf.WorkflowRequest) -> wf.WorkflowReply:
    """The workflow state of several engagements, each table read once for all of them."""
    found = await repository.engagements_by_ids(session, req.engagement_ids, req.scope)
    ids = list(found)
    team = await _grouped(session, TeamMemberRow, ids, (TeamMemberRow.name,))
    items = await _grouped(session, ListItem, ids, (ListItem.created_at,))
    plans = await _grouped(session, PlanVersion, ids, (PlanVersion.version,))
    checklist = await _grouped(session, ChecklistEntry, ids, (ChecklistEntry.code,))
    records = await _grouped(
        session, ServiceRecord, ids, (ServiceRecord.occurred_on, ServiceRecord.recorded_at)
    )
    rectified = await _grouped(session, Rectification, ids, (Rectification.raised_on,))
    recurrence = await _recurrence(session, [r for rows in rectified.values() for r in rows])
    reports = await _grouped(
        session, StageReport, ids, (StageReport.report_no, StageReport.version)
    )
    done = await _done_per_item(session, ids)
    today = clock.today()
    views: dict[UUID, wf.WorkflowView] = {}
    for eid, (engagement, _region) in found.items():
        views[eid] = _view(
            engagement,
            team[eid],
            items[eid],
            plans[eid],
            checklist[eid],
            records[eid],
            reports[eid],
            [rectifications.view(r, recurrence.get(r.id, 1), today) for r in rectified[eid]],
            done,
            today,
        )
    return wf.WorkflowReply(items=[views.get(i) for i in req.engagement_ids])


async def _grouped(
    session: AsyncSession, model: Any, ids: list[UUID], order: Any
) -> defaultdict[UUID, list[Any]]:
    """Rows of `model` for the engagements, grouped by engagement.

    Plain rows, not ORM objects: these are read-only views, and building an
    identity-mapped instance per row cost most of a 50-engagement dashboard.
    """
    grouped: defaultdict[UUID, list[Any]] = defaultdict(list)
    if ids:
        table = model.__table__
        rows = await session.execute(
            select(*table.c).where(table.c.engagement_id.in_(ids)).order_by(*order)
        )
        for row in rows:
            grouped[row.engagement_id].append(row)
    return grouped


async def _done_per_item(session: AsyncSession, ids: list[UUID]) -> dict[UUID, int]:
    if not ids:
        return {}
    rows = await session.execute(
        select(ServiceRecord.list_item_id, func.count())
        .where(ServiceRecord.engagement_id.in_(ids), ServiceRecord.list_item_id.is_not(None))
        .group_by(ServiceRecord.list_item_id)
    )
    return {item_id: n for item_id, n in rows if item_id is not None}


def _view(
    e: Engagement,
    team: Sequence[TeamMemberRow],
    items: Sequence[ListItem],
    plans: Sequence[PlanVersion],
    checklist: Sequence[ChecklistEntry],
    records: Sequence[ServiceRecord],
    reports: Sequence[StageReport],
    rectification_views: list[wf.RectificationView],
    done: dict[UUID, int],
    today: date,
) -> wf.WorkflowView:
    return wf.WorkflowView(
        engagement_id=e.id,
        contracted_team_size=e.contracted_team_size,
        team=[
            TeamMember(
                person_id=m.person_id, name=m.name, role=m.role, qualification=m.qualification
            )
            for m in team
        ],
        list_items=[_item_view(i, done, today) for i in items],
        plan_versions=[
            wf.PlanVersionView(
                version=p.version,
                status=p.status,
                content=p.content,
                objection_reasons=p.objection_reasons,
                submitted_at=p.submitted_at,
                decided_at=p.decided_at,
            )
            for p in plans
        ],
        checklist=[
            wf.ChecklistItemView(code=c.code, status=c.status, document_ref=c.document_ref)
            for c in checklist
        ],
        records=[
            wf.RecordView(
                id=r.id,
                kind=r.kind,
                occurred_on=r.occurred_on,
                details=r.details,
                recorded_by=r.recorded_by,
                recorded_at=r.recorded_at,
            )
            for r in records
        ],
        stage_reports=[
            wf.StageReportView(
                report_no=r.report_no,
                version=r.version,
                period_start=r.period_start,
                period_end=r.period_end,
                problems=r.problems,
                solutions=r.solutions,
                status=r.status,
                feedback=r.feedback,
                submitted_at=r.submitted_at,
                reviewed_at=r.reviewed_at,
            )
            for r in reports
        ],
        rectifications=rectification_views,
        contract_signed_on=e.contract_signed_on,
        handed_over_on=e.handed_over_on,
        deliverables=list(e.deliverables or []),
    )


async def due_items(session: AsyncSession, req: wf.DueItemsRequest) -> wf.DueItemsReply:
    """List items falling due in a window, or overdue, across the caller's engagements."""
    today = clock.today()
    query = (
        select(ListItem, Engagement)
        .join(Engagement, Engagement.id == ListItem.engagement_id)
        .join(Unit, Unit.id == Engagement.unit_id)
        .where(repository.engagement_scope(req.scope), ListItem.due_date.is_not(None))
        .where(ListItem.status.in_(("open", "proposed")))
        .order_by(ListItem.due_date, ListItem.created_at)
        .limit(req.limit)
    )
    if req.overdue_only:
        query = query.where(ListItem.due_date < today, ListItem.status == "open")
    if req.due_from is not None:
        query = query.where(ListItem.due_date >= req.due_from)
    if req.due_to is not None:
        query = query.where(ListItem.due_date <= req.due_to)
    if req.unit_id is not None:
        query = query.where(Engagement.unit_id == req.unit_id)
    rows = (await session.execute(query)).all()
    done = await _done_per_item(session, list({e.id for _, e in rows}))
    return wf.DueItemsReply(
        items=[
            wf.DueItemView(
                engagement_id=e.id,
                unit_id=e.unit_id,
                agency_id=e.agency_id,
                item=_item_view(i, done, today),
                overdue=schedule.is_overdue(i, today),
            )
            for i, e in rows
        ]
    )


def _item_view(i: ListItem, done: dict[UUID, int], today: date) -> wf.ListItemView:
    return wf.ListItemView(
        id=i.id,
        catalogue_code=i.catalogue_code,
        scope=i.scope,
        expected_effect=i.expected_effect,
        target=i.target,
        contracted_quantity=i.contracted_quantity,
        quantity_unit=i.quantity_unit,
        due_date=i.due_date,
        customised=i.customised,
        status=i.status,
        waived_reason=i.waived_reason,
        done_quantity=done.get(i.id, 0),
        overdue=schedule.is_overdue(i, today),
    )


async def _recurrence(session: AsyncSession, rows: list[Rectification]) -> dict[UUID, int]:
    """For each item, how often its unit had the same problem in the 12 months up to it."""
    counts: dict[UUID, int] = {}
    for row in rows:
        counts[row.id] = await rectifications.occurrences(
            session, row.unit_id, row.problem_key, row.raised_on
        )
    return counts


MEETING_KINDS = ("expert_consultation", "technical_seminar")


async def expert_meetings(session: AsyncSession, req: wf.MeetingsRequest) -> wf.MeetingsReply:
    """The meetings an expert was invited to, newest first — and nothing else."""
    rows = await session.scalars(
        select(ServiceRecord)
        .where(ServiceRecord.kind.in_(MEETING_KINDS))
        # A cheap textual prefilter; membership is checked exactly below.
        .where(cast(ServiceRecord.details, String).like(f"%{req.expert_id}%"))
        .order_by(ServiceRecord.occurred_on.desc())
    )
    return wf.MeetingsReply(
        items=[
            wf.MeetingView(
                engagement_id=r.engagement_id,
                record_id=r.id,
                kind=r.kind,
                held_on=r.occurred_on,
                details=r.details,
            )
            for r in rows
            if req.expert_id in (r.details.get("expert_ids") or [])
        ]
    )
