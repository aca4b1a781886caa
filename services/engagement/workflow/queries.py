"""Workflow reads: engagements, their workflow state, due items, expert meetings, and
the published catalogue and 表 A.1 checklist."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, get_args
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import ValidationFailed
from contracts.engagement import rpc
from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from contracts.engagement.enums import RecordKind
from kit.keyset import page_of
from kit.reply_structs import ReplyStruct
from kit.rpc import RawReply
from services.engagement import clock
from services.engagement.models import (
    ChecklistEntry,
    Engagement,
    PlanVersion,
    Rectification,
    ServiceRecord,
    StageReport,
    TeamMemberRow,
)
from services.engagement.seed import catalogue_v1, checklist_a1_v1
from services.engagement.workflow import evidence_repository, repository
from services.engagement.workflow import workflow_structs as structs
from services.engagement.workflow.domain import is_overdue
from services.engagement.workflow.views import engagement_view, list_item_view, meeting_view

MEETING_KINDS = (RecordKind.EXPERT_CONSULTATION, RecordKind.TECHNICAL_SEMINAR)


async def get_engagements(session: AsyncSession, req: rpc.GetManyRequest) -> rpc.EngagementsReply:
    found = await repository.engagements_by_ids(session, req.ids, req.scope)
    return rpc.EngagementsReply(
        items=[engagement_view(*found[i]) if i in found else None for i in req.ids]
    )


async def list_engagements(
    session: AsyncSession, req: rpc.ListEngagementsRequest
) -> rpc.EngagementPage:
    rows, has_next, total = await page_of(
        session, repository.engagements_query(req, clock.today()), Engagement.id, req.page
    )
    return rpc.EngagementPage(
        items=[engagement_view(row, row.region_code) for row in rows],
        has_next=has_next,
        total=total,
    )


async def workflows(
    session: AsyncSession, req: engagement_rpc_workflow.WorkflowRequest
) -> RawReply:
    """The workflow state of several engagements, each table read once for all of them;
    only the lists the caller asks for (`req.parts`) are read, the others come empty.
    Read as plain rows and written from them (`workflow_structs`): nothing is written."""
    wanted = set(req.parts) if req.parts is not None else ALL_PARTS
    counted = "checklist_counts" in wanted
    heads = await repository.workflow_heads(session, req.engagement_ids, req.scope, counts=counted)
    ids = list(heads)
    rows = repository.rows_by_engagement

    async def part(name: str, model: Any, order: tuple[Any, ...]) -> dict[UUID, list[Any]]:
        return await rows(session, model, ids, order) if name in wanted else _NONE

    today = clock.today()
    team = await part("team", TeamMemberRow, (TeamMemberRow.name,))
    items: defaultdict[UUID, list[ReplyStruct]] = defaultdict(list)
    if "list_items" in wanted:
        for item in await repository.list_items_done(session, ids):
            items[item.engagement_id].append(structs.list_item(item, today))
    plans = await part("plan_versions", PlanVersion, (PlanVersion.version,))
    checklist = await part("checklist", ChecklistEntry, (ChecklistEntry.code,))
    records = await part(
        "records", ServiceRecord, (ServiceRecord.occurred_on, ServiceRecord.recorded_at)
    )
    rectified = await part("rectifications", Rectification, (Rectification.raised_on,))
    recurrence = await repository.recurrence(
        session, [r for per_engagement in rectified.values() for r in per_engagement]
    )
    reports = await part("stage_reports", StageReport, (StageReport.report_no, StageReport.version))
    links = (
        await evidence_repository.by_record(session, ids)
        if wanted & {"records", "rectifications"}
        else {}
    )
    evidence = structs.evidence(links)
    revisions = (
        await repository.revisions_by_engagement(session, ids) if "revisions" in wanted else _NONE
    )
    # Each list made once per engagement that has rows; a list not asked for is not made.
    grouped = structs.by_engagement
    model = engagement_rpc_workflow
    lists = {
        "team": grouped(team, structs.team_member),
        "list_items": items,
        "plan_versions": grouped(plans, structs.plain(model.PlanVersionView)),
        "checklist": grouped(checklist, structs.plain(model.ChecklistItemView)),
        "records": grouped(records, lambda r: structs.record(r, evidence(r.id))),
        "stage_reports": grouped(reports, structs.plain(model.StageReportView)),
        "rectifications": grouped(
            rectified, lambda r: structs.rectification(r, recurrence[r.id], today, evidence(r.id))
        ),
        "revisions": grouped(revisions, structs.revision),
    }
    views = {
        eid: structs.workflow(
            head, {name: of.get(eid, []) for name, of in lists.items()}, counted=counted
        )
        for eid, head in heads.items()
    }
    return structs.reply([views.get(i) for i in req.engagement_ids])


ALL_PARTS: frozenset[str] = frozenset(get_args(engagement_rpc_workflow.WorkflowPart))
_NONE: dict[UUID, list[Any]] = {}


async def due_items(
    session: AsyncSession, req: engagement_rpc_workflow.DueItemsRequest
) -> engagement_rpc_workflow.DueItemsReply:
    """List items falling due in a window, or overdue, across the caller's engagements."""
    today = clock.today()
    rows = await repository.due_items(session, req, today)
    done = await repository.done_per_item(session, list({e.id for _, e in rows}))
    return engagement_rpc_workflow.DueItemsReply(
        items=[
            engagement_rpc_workflow.DueItemView(
                engagement_id=e.id,
                unit_id=e.unit_id,
                agency_id=e.agency_id,
                item=list_item_view(i, done.get(i.id, 0), today),
                overdue=is_overdue(i.status, i.due_date, today),
            )
            for i, e in rows
        ]
    )


async def expert_meetings(
    session: AsyncSession, req: engagement_rpc_workflow.MeetingsRequest
) -> engagement_rpc_workflow.MeetingsReply:
    """The meetings an expert was invited to, newest first — and nothing else. Only the
    meetings of the expert's own tenant are read; the expert is matched exactly, by the
    `meeting_expert` index, in one statement."""
    rows = await repository.meetings_of_expert(session, req.expert_id, MEETING_KINDS, req.scope)
    return engagement_rpc_workflow.MeetingsReply(items=[meeting_view(r) for r in rows])


async def catalogue(
    session: AsyncSession, req: engagement_rpc_workflow.CatalogueRequest
) -> engagement_rpc_workflow.CatalogueReply:
    rows = await repository.catalogue(session, req.version or catalogue_v1.VERSION)
    return engagement_rpc_workflow.CatalogueReply(
        items=[engagement_rpc_workflow.CatalogueItemView.from_row(r) for r in rows]
    )


async def checklist_definition(
    session: AsyncSession, req: engagement_rpc_workflow.ChecklistDefinitionRequest
) -> engagement_rpc_workflow.ChecklistDefinitionReply:
    """表 A.1 as published (version 1 is the only one so far)."""
    if req.version not in (None, checklist_a1_v1.VERSION):
        raise ValidationFailed(
            "no checklist version {version}", field="version", params={"version": req.version or 0}
        )
    return engagement_rpc_workflow.ChecklistDefinitionReply(
        version=checklist_a1_v1.VERSION,
        items=[
            engagement_rpc_workflow.ChecklistDefinitionItem(
                code=code, section=section, title_zh=zh, title_en=en
            )
            for code, section, zh, en in checklist_a1_v1.ITEMS
        ],
    )
