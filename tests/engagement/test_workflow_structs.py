"""The workflow reply written from rows by msgspec (`workflow_structs`) is, byte for
byte, the JSON of the contract's models built from ORM rows the plain way — the path it
replaced, kept here as the reference — for engagements in every stage, with and
without their optional fields, overdue and voided items, objected plans, evidence,
recurring rectifications and revisions (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import core
from contracts.engagement import rpc_workflow as wf
from contracts.engagement.enums import Stage
from kit.db import Database
from kit.ids import new_id
from services.engagement import clock
from services.engagement.models import (
    ChecklistEntry,
    Engagement,
    ListItem,
    PlanVersion,
    RecordEvidence,
    Rectification,
    Revision,
    ServiceRecord,
    StageReport,
    TeamMemberRow,
)
from services.engagement.workflow import queries
from services.engagement.workflow.domain import RECURRENCE_WINDOW, is_overdue, is_recurring
from tests.engagement.rows import engagement_in_implementation

AT = datetime(2027, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


# --- the reference: the contract's models from ORM rows, as the replaced path built them -


async def reference(session: AsyncSession, ids: list[UUID], parts: set[str]) -> wf.WorkflowReply:
    today = clock.today()

    async def rows(model: Any, engagement_id: UUID, *order: Any) -> list[Any]:
        query = select(model).where(model.engagement_id == engagement_id).order_by(*order)
        return list(await session.scalars(query)) if model_part(model) in parts else []

    async def evidence(record_id: UUID) -> list[wf.EvidenceLinkView]:
        links = await session.scalars(
            select(RecordEvidence)
            .where(RecordEvidence.record_id == record_id)
            .order_by(RecordEvidence.linked_at, RecordEvidence.item_id)
        )
        return [wf.EvidenceLinkView.from_row(link) for link in links]

    async def recurrence(r: Rectification) -> int:
        found = await session.scalar(
            select(func.count()).where(
                Rectification.unit_id == r.unit_id,
                Rectification.problem_key == r.problem_key,
                Rectification.raised_on > r.raised_on - RECURRENCE_WINDOW,
                Rectification.raised_on <= r.raised_on,
            )
        )
        return int(found or 0)

    async def view(e: Engagement) -> wf.WorkflowView:
        items = await rows(ListItem, e.id, ListItem.created_at)
        checklist_all = list(
            await session.scalars(
                select(ChecklistEntry).where(ChecklistEntry.engagement_id == e.id)
            )
        )
        revisions: Any = (
            await session.scalars(
                select(Revision)
                .where(Revision.engagement_id == e.id)
                .order_by(Revision.subject_id, Revision.version)
            )
            if "revisions" in parts
            else []
        )
        return wf.WorkflowView(
            engagement_id=e.id,
            contracted_team_size=e.contracted_team_size,
            team=[
                wf.TeamMemberView.from_row(m, voided=m.voided_at is not None)
                for m in await rows(TeamMemberRow, e.id, TeamMemberRow.name)
            ],
            list_items=[
                wf.ListItemView.from_row(
                    i,
                    done_quantity=await session.scalar(
                        select(func.count()).where(
                            ServiceRecord.list_item_id == i.id, ServiceRecord.voided_at.is_(None)
                        )
                    ),
                    overdue=is_overdue(i.status, i.due_date, today) and i.voided_at is None,
                    voided=i.voided_at is not None,
                )
                for i in items
            ],
            plan_versions=[
                wf.PlanVersionView.from_row(p)
                for p in await rows(PlanVersion, e.id, PlanVersion.version)
            ],
            checklist=[
                wf.ChecklistItemView.from_row(c)
                for c in await rows(ChecklistEntry, e.id, ChecklistEntry.code)
            ],
            records=[
                wf.RecordView.from_row(
                    r, evidence=await evidence(r.id), voided=r.voided_at is not None
                )
                for r in await rows(
                    ServiceRecord, e.id, ServiceRecord.occurred_on, ServiceRecord.recorded_at
                )
            ],
            stage_reports=[
                wf.StageReportView.from_row(r)
                for r in await rows(StageReport, e.id, StageReport.report_no, StageReport.version)
            ],
            rectifications=[
                wf.RectificationView.from_row(
                    r,
                    notes=list(r.notes or []),
                    overdue=r.status != "closed" and r.due_date < today,
                    recurring=is_recurring(await recurrence(r)),
                    evidence=await evidence(r.id),
                )
                for r in await rows(Rectification, e.id, Rectification.raised_on)
            ],
            contract_signed_on=e.contract_signed_on,
            handed_over_on=e.handed_over_on,
            deliverables=list(e.deliverables or []),
            revisions=[wf.RevisionView.from_row(r) for r in revisions],
            checklist_counts=wf.ChecklistCounts(
                settled=sum(1 for c in checklist_all if c.status != "pending"),
                total=len(checklist_all),
            )
            if "checklist_counts" in parts
            else None,
        )

    found = {
        e.id: e for e in await session.scalars(select(Engagement).where(Engagement.id.in_(ids)))
    }
    return wf.WorkflowReply(items=[await view(found[i]) if i in found else None for i in ids])


def model_part(model: Any) -> str:
    return {
        TeamMemberRow: "team",
        ListItem: "list_items",
        PlanVersion: "plan_versions",
        ChecklistEntry: "checklist",
        ServiceRecord: "records",
        StageReport: "stage_reports",
        Rectification: "rectifications",
    }[model]


# --- the rows: every field of every view, set and unset ----------------------------------


async def full_engagement(db: Database, stage: Stage, *, optional: bool) -> tuple[UUID, core.Scope]:
    """An engagement in `stage` with a row of every kind; with `optional`, every optional
    field set, else left null."""
    engagement_id, unit_id, scope = await engagement_in_implementation(db)
    today = clock.today()
    some = optional or None  # a value only when `optional`

    def opt(value: Any) -> Any:
        return value if some else None

    async with db.transaction() as s:
        e = await s.get(Engagement, engagement_id)
        assert e is not None
        e.stage = stage
        e.contracted_team_size = opt(3)
        e.contract_signed_on = opt(date(2027, 1, 2))
        e.handed_over_on = opt(date(2027, 12, 30))
        e.deliverables = ["年度报告", "C.1 表"] if optional else []
        entries = list(
            await s.scalars(select(ChecklistEntry).where(ChecklistEntry.engagement_id == e.id))
        )
        entries[0].status = "received"
        entries[0].document_ref = opt("doc-1")
        entries[0].document_item_id = opt(new_id())
        entries[1].status = "not_applicable"
        items = []
        for n, (status, due, voided) in enumerate(
            [
                ("open", today - timedelta(days=1), None),  # overdue
                ("open", today - timedelta(days=1), AT),  # overdue but voided: not
                ("open", today + timedelta(days=1), None),
                ("done", today - timedelta(days=9), None),
                ("waived", None, None),
                ("proposed", opt(today), None),
            ]
        ):
            item = ListItem(
                id=new_id(),
                engagement_id=e.id,
                catalogue_code=f"6.1.{n}",
                scope="监测",
                expected_effect="达标",
                target="废水",
                contracted_quantity=opt(4),
                quantity_unit=opt("次"),
                due_date=due,
                customised=bool(n % 2),
                status=status,
                waived_reason="不适用" if status == "waived" else None,
                created_at=AT + timedelta(seconds=n),
                version=2 if n == 2 else 1,
                voided_at=voided,
            )
            items.append(item)
            s.add(item)
        s.add_all(
            [
                TeamMemberRow(
                    id=new_id(), engagement_id=e.id, person_id=new_id(), name=name, role="工程师",
                    qualification=opt("注册环保工程师"), version=version, voided_at=voided,
                )
                for name, version, voided in [("王工", 1, None), ("李工", 2, AT)]
            ]
        )  # fmt: skip
        s.add_all(
            [
                PlanVersion(
                    id=new_id(), engagement_id=e.id, version=1, status="objected",
                    content="方案 v1", objection_reasons="频次不足", submitted_at=AT,
                    decided_at=AT + timedelta(days=1), decided_by="client",
                ),
                PlanVersion(
                    id=new_id(), engagement_id=e.id, version=2, status=opt("submitted") or "draft",
                    content="方案 v2", objection_reasons=None, submitted_at=opt(AT),
                    decided_at=None, decided_by=None,
                ),
            ]
        )  # fmt: skip
        record_id = new_id()
        s.add_all(
            [
                ServiceRecord(
                    id=record_id, engagement_id=e.id, kind="inspection",
                    list_item_id=items[0].id, occurred_on=today, recorded_by="pm", recorded_at=AT,
                    # A float pydantic writes 1e+20 (msgspec 1e20), a key with spaces
                    # (stripped by the contract), nesting, non-ASCII.
                    details={"problems_found": 2, "ph": 7.25, "flow": 1e20, " note ": "夜间 ",
                             "nested": {" k ": [1.5, None, True]}},
                ),
                ServiceRecord(
                    id=new_id(), engagement_id=e.id, kind="work_log", list_item_id=items[0].id,
                    occurred_on=today - timedelta(days=1), recorded_by="pm", recorded_at=AT,
                    details={"text": "日志"}, version=2, voided_at=AT,
                ),
            ]
        )  # fmt: skip
        s.add_all(
            [
                StageReport(
                    id=new_id(), engagement_id=e.id, report_no=1, version=version,
                    period_start=date(2027, 1, 1), period_end=date(2027, 3, 31), problems="p",
                    solutions="s", status=status, feedback=feedback, submitted_at=AT,
                    submitted_by="pm", reviewed_at=reviewed, reviewed_by=None,
                )
                for version, status, feedback, reviewed in [
                    (1, "objected", "补充数据", AT), (2, "submitted", opt("ok"), opt(AT))
                ]
            ]
        )  # fmt: skip
        await s.flush()  # the records before the rectifications that name them
        rectification_id = new_id()
        for n, (status, due, closed) in enumerate(
            [
                ("open", today - timedelta(days=1), None),  # overdue
                ("closed", today - timedelta(days=1), today),  # closed: not overdue
                ("rectified", today + timedelta(days=5), None),
                ("open", today, None),
            ]
        ):
            s.add(
                Rectification(
                    id=rectification_id if n == 0 else new_id(), engagement_id=e.id,
                    unit_id=unit_id, inspection_record_id=record_id if n == 0 else None,
                    problem_key="噪声超标", description="d", plan="p", owner="o", due_date=due,
                    status=status, raised_on=today - timedelta(days=n), closed_on=closed,
                    notes=["复查", "已整改"] if optional and n == 0 else [],
                )
            )  # fmt: skip
        for n, (owner, role) in enumerate([(record_id, "record"), (rectification_id, "before")]):
            s.add(
                RecordEvidence(
                    record_id=owner, item_id=new_id(), engagement_id=e.id, role=role,
                    linked_by="pm", linked_at=AT + timedelta(microseconds=n),
                )
            )  # fmt: skip
        s.add_all(
            [
                Revision(
                    id=new_id(), subject="list_item", subject_id=items[2].id,
                    engagement_id=e.id, version=version, change=change,
                    content={"scope": "监测", "quantity": 4, "ratio": 0.5 if some else 2},
                    reason=opt("更正"), changed_by=opt("pm"), changed_at=opt(AT),
                )
                for version, change in [(1, "created"), (2, "corrected")]
            ]
        )  # fmt: skip
    return engagement_id, scope


async def bare_engagement(db: Database, stage: Stage) -> tuple[UUID, core.Scope]:
    """An engagement with nothing but its checklist."""
    engagement_id, _, scope = await engagement_in_implementation(db)
    async with db.transaction() as s:
        e = await s.get(Engagement, engagement_id)
        assert e is not None
        e.stage = stage
    return engagement_id, scope


PART_SETS = [
    None,
    ["list_items", "checklist_counts"],  # the dashboard's
    ["records", "rectifications"],
    ["team", "plan_versions", "checklist", "stage_reports", "revisions"],
]


@pytest.mark.parametrize("parts", PART_SETS, ids=lambda p: "all" if p is None else "+".join(p))
async def test_the_reply_is_the_models_json_byte_for_byte(db: Database, parts: list[str] | None):
    asked: list[UUID] = []
    for n, stage in enumerate(Stage):
        asked.append((await full_engagement(db, stage, optional=n % 2 == 0))[0])
        asked.append((await bare_engagement(db, stage))[0])
    # Each engagement has an agency of its own: ask as the region of their units
    # (`new_uscc`'s), which sees them all.
    region = core.Scope(region_prefix="4403")
    asked.insert(3, new_id())  # never made: null in its place
    wanted = set(parts) if parts is not None else set(get_args(wf.WorkflowPart))
    async with db.transaction() as s:
        raw = await queries.workflows(
            s, wf.WorkflowRequest(engagement_ids=asked, scope=region, parts=parts)
        )
        expected = await reference(s, asked, wanted)
    assert raw.body == expected.model_dump_json().encode()
    # The cases are there: overdue, voided, floats, evidence, recurring items.
    if parts is None:
        whole = expected.items[0]
        assert whole is not None
        assert [i.overdue for i in whole.list_items][:3] == [True, False, False]
        assert b'"flow":1e+20' in raw.body
        assert b'"note":"' in raw.body
        assert [bool(r.evidence) for r in whole.records] == [False, True]  # oldest first
        assert [bool(r.evidence) for r in whole.rectifications] == [False, False, False, True]
        # Raised 3, 2, 1 and 0 days ago: the 4th within 12 months is "more than 3".
        assert [r.recurring for r in whole.rectifications] == [False, False, False, True]


async def test_an_agency_reads_only_its_own_engagements(db: Database):
    """The prebuilt statement for an agency's scope filters as `engagement_scope` does."""
    mine, scope = await full_engagement(db, Stage.IMPLEMENTATION, optional=True)
    theirs, _ = await full_engagement(db, Stage.IMPLEMENTATION, optional=False)
    parts: list[wf.WorkflowPart] = ["list_items", "checklist_counts"]
    async with db.transaction() as s:
        raw = await queries.workflows(
            s, wf.WorkflowRequest(engagement_ids=[theirs, mine], scope=scope, parts=parts)
        )
        expected = await reference(s, [mine], set(parts))
    reply = wf.WorkflowReply.model_validate_json(raw.body)
    assert reply.items[0] is None
    assert reply.items[1] == expected.items[0]
