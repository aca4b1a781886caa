"""Reading the workflow state costs a fixed number of queries, however many rows an
engagement has; the recurrence of rectifications (R4.2.3.1) is counted in one of them
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, get_args
from uuid import UUID

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import core
from contracts.engagement import actions as engagement_actions
from contracts.engagement import rpc
from contracts.engagement import rpc_workflow as wf
from kit.db import Database
from kit.ids import new_id
from services.engagement import clock
from services.engagement.models import (
    ChecklistEntry,
    Engagement,
    ListItem,
    Rectification,
    ServiceRecord,
    Unit,
)
from services.engagement.workflow import queries
from services.engagement.workflow.commands import act
from services.engagement.workflow.views import engagement_view
from tests.engagement.rows import CTX, engagement_in_implementation


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)


async def raise_rectification(
    db: Database, engagement_id: UUID, scope: core.Scope, key: str
) -> None:
    action = engagement_actions.RaiseRectification(
        problem_key=key, description="d", plan="p", owner="o", due_date=date(2030, 1, 1)
    )
    async with db.transaction() as s:
        await act.act(
            s,
            engagement_actions.ActRequest(engagement_id=engagement_id, scope=scope, action=action),
            CTX,
        )


async def set_stage(db: Database, engagement_id: UUID, stage: str) -> None:
    async with db.transaction() as s:
        engagement = await s.get(Engagement, engagement_id)
        assert engagement is not None
        engagement.stage = stage


async def workflows(session: AsyncSession, req: wf.WorkflowRequest) -> wf.WorkflowReply:
    """The reply, written as JSON by the service, read back into the contract."""
    return wf.WorkflowReply.model_validate_json((await queries.workflows(session, req)).body)


async def read(db: Database, engagement_id: UUID, scope: core.Scope) -> tuple[wf.WorkflowView, int]:
    async with db.transaction() as s:
        with counted(db) as statements:
            reply = await workflows(
                s, wf.WorkflowRequest(engagement_ids=[engagement_id], scope=scope)
            )
    view = reply.items[0]
    assert view is not None
    return view, len(statements)


async def test_a_workflow_page_costs_the_same_queries_for_1_or_6_rectifications(db: Database):
    engagement_id, _, scope = await engagement_in_implementation(db)
    await raise_rectification(db, engagement_id, scope, "噪声超标")
    one, queries_for_one = await read(db, engagement_id, scope)
    assert len(one.rectifications) == 1
    for key in ("噪声超标", "噪声超标", "噪声超标", "噪声超标", "废水超标"):
        await raise_rectification(db, engagement_id, scope, key)
    six, queries_for_six = await read(db, engagement_id, scope)
    assert len(six.rectifications) == 6
    assert queries_for_six == queries_for_one
    # 5 noise problems in 12 months: "more than 3" → recurring; one effluent problem: not.
    recurring = {(r.problem_key, r.recurring) for r in six.rectifications}
    assert recurring == {("噪声超标", True), ("废水超标", False)}


async def test_R4_2_3_1_recurrence_counts_the_12_months_up_to_each_item(db: Database):
    engagement_id, unit_id, scope = await engagement_in_implementation(db)
    today = clock.today()
    # Earlier items of the same problem at the unit, two of them just outside the window
    # of the newest one; the oldest ones are within each other's windows.
    earlier = [today - timedelta(days=d) for d in (365, 366, 200, 100)]
    async with db.transaction() as s:
        for raised_on in earlier:
            s.add(
                Rectification(
                    id=new_id(),
                    engagement_id=engagement_id,
                    unit_id=unit_id,
                    problem_key="异味",
                    description="d",
                    plan="p",
                    owner="o",
                    due_date=raised_on,
                    status="closed",
                    raised_on=raised_on,
                    notes=[],
                )
            )
    await raise_rectification(db, engagement_id, scope, "异味")
    view, _ = await read(db, engagement_id, scope)
    by_day = {r.raised_on: r.recurring for r in view.rectifications}
    # today: itself, 100 and 200 days ago = 3, not more than 3.
    assert by_day[today] is False
    # 100 days ago: itself, 200, 365 and 366 days ago = 4 within its 12 months.
    assert by_day[today - timedelta(days=100)] is True
    assert by_day[today - timedelta(days=366)] is False


async def record_meeting(db: Database, engagement_id: UUID, scope: core.Scope, expert: str) -> None:
    action = engagement_actions.RecordConsultation(
        held_on=date(2027, 2, 1), experts=["张教授"], opinions="可行", conclusion="通过",
        expert_ids=[expert],
    )  # fmt: skip
    async with db.transaction() as s:
        await act.act(
            s,
            engagement_actions.ActRequest(engagement_id=engagement_id, scope=scope, action=action),
            CTX,
        )


async def test_my_meetings_of_tenant_a_filter_by_tenant_a_and_never_read_tenant_b(db: Database):
    # The same expert id invited in two agencies' engagements: asking as agency A reads
    # A's meetings only, filtered in SQL by A's id, with no text search over the details.
    mine, _, agency_a = await engagement_in_implementation(db)
    theirs, _, agency_b = await engagement_in_implementation(db)
    await record_meeting(db, mine, agency_a, "prof-zhang")
    await record_meeting(db, theirs, agency_b, "prof-zhang")
    async with db.transaction() as s:
        with counted(db) as statements:
            reply = await queries.expert_meetings(
                s, wf.MeetingsRequest(expert_id="prof-zhang", scope=agency_a)
            )
    assert [m.engagement_id for m in reply.items] == [mine]
    [select_meetings] = [q for q in statements if "service_record" in q]
    assert "agency_id" in select_meetings
    assert "LIKE" not in select_meetings.upper()


async def test_a_workflow_read_of_some_parts_reads_and_sends_only_those(db: Database):
    """The gateway asks for the lists a query selects (`WorkflowRequest.parts`): the
    others are not read (fewer statements) and come empty; the scalar fields always come."""
    engagement_id, _, scope = await engagement_in_implementation(db)
    await raise_rectification(db, engagement_id, scope, "噪声超标")
    whole, statements_for_whole = await read(db, engagement_id, scope)
    async with db.transaction() as s:
        with counted(db) as statements:
            reply = await workflows(
                s,
                wf.WorkflowRequest(
                    engagement_ids=[engagement_id], scope=scope, parts=["list_items", "checklist"]
                ),
            )
    some = reply.items[0]
    assert some is not None
    assert some.list_items == whole.list_items
    assert some.checklist == whole.checklist
    assert whole.rectifications
    assert some.rectifications == []
    assert (some.team, some.plan_versions, some.records, some.stage_reports) == ([], [], [], [])
    assert some.revisions == []
    assert some.contracted_team_size == whole.contracted_team_size
    assert some.contract_signed_on == whole.contract_signed_on
    assert some.deliverables == whole.deliverables
    # engagements + list items (their done counts joined) + checklist, against every table.
    assert len(statements) == 3 < statements_for_whole


async def test_a_workflow_read_without_parts_reads_every_list(db: Database):
    engagement_id, _, scope = await engagement_in_implementation(db)
    await raise_rectification(db, engagement_id, scope, "噪声超标")
    whole, _ = await read(db, engagement_id, scope)
    every = list(get_args(wf.WorkflowPart))
    async with db.transaction() as s:
        reply = await workflows(
            s, wf.WorkflowRequest(engagement_ids=[engagement_id], scope=scope, parts=every)
        )
    assert reply.items[0] == whole


async def test_checklist_counts_give_completeness_without_the_documents(db: Database):
    engagement_id, _, scope = await engagement_in_implementation(db)
    whole, _ = await read(db, engagement_id, scope)
    async with db.transaction() as s:
        reply = await workflows(
            s,
            wf.WorkflowRequest(
                engagement_ids=[engagement_id], scope=scope, parts=["checklist_counts"]
            ),
        )
    view = reply.items[0]
    assert view is not None
    assert view.checklist == []
    settled = sum(1 for c in whole.checklist if c.status != "pending")
    assert view.checklist_counts == wf.ChecklistCounts(settled=settled, total=len(whole.checklist))
    assert view.checklist_counts.total == 25  # 表 A.1
    assert whole.checklist_counts == view.checklist_counts  # every part when none named


async def test_the_dashboards_workflow_read_is_two_statements_and_what_the_orm_rows_give(
    db: Database,
):
    """The dashboard asks for list items and checklist counts: the engagements with their
    counts in one statement, the items with their done counts in another. The reply is
    byte for byte the one built the plain way, from ORM rows with the contracts'
    `from_row` and a count per item."""
    engagement_id, _, scope = await engagement_in_implementation(db)
    await set_stage(db, engagement_id, "preparation")  # where catalogue items are added
    added = []
    for code in ("6.1.5", "6.1.6"):
        async with db.transaction() as s:
            add = engagement_actions.AddListItem(
                catalogue_code=code, scope="监测", contracted_quantity=4, due_date=date(2020, 1, 1)
            )
            await act.act(
                s,
                engagement_actions.ActRequest(engagement_id=engagement_id, scope=scope, action=add),
                CTX,
            )
            added.append(
                await s.scalar(
                    select(ListItem.id).where(
                        ListItem.engagement_id == engagement_id, ListItem.catalogue_code == code
                    )
                )
            )
    await set_stage(db, engagement_id, "implementation")
    for _ in range(2):  # two inspections done for the first item, none for the second
        async with db.transaction() as s:
            done = engagement_actions.RecordInspection(
                list_item_id=added[0],
                performed_on=date(2027, 3, 1),
                problems_found=0,
                rectification_plans=0,
            )
            await act.act(
                s,
                engagement_actions.ActRequest(
                    engagement_id=engagement_id, scope=scope, action=done
                ),
                CTX,
            )
    asked = [engagement_id, new_id()]
    async with db.transaction() as s:
        with counted(db) as statements:
            raw = await queries.workflows(
                s,
                wf.WorkflowRequest(
                    engagement_ids=asked, scope=scope, parts=["list_items", "checklist_counts"]
                ),
            )
        other = await workflows(
            s,
            wf.WorkflowRequest(
                engagement_ids=asked, scope=core.Scope(agency_id=new_id()), parts=["list_items"]
            ),
        )
        engagement = await s.get(Engagement, engagement_id)
        items = (
            await s.scalars(
                select(ListItem)
                .where(ListItem.engagement_id == engagement_id)
                .order_by(ListItem.created_at)
            )
        ).all()
        entries = (
            await s.scalars(
                select(ChecklistEntry).where(ChecklistEntry.engagement_id == engagement_id)
            )
        ).all()
        done_of = {
            i.id: await s.scalar(
                select(func.count()).where(
                    ServiceRecord.list_item_id == i.id, ServiceRecord.voided_at.is_(None)
                )
            )
            for i in items
        }
    assert len(statements) == 2
    assert engagement is not None
    today = clock.today()
    expected = wf.WorkflowView(
        engagement_id=engagement.id,
        contracted_team_size=engagement.contracted_team_size,
        team=[],
        list_items=[
            wf.ListItemView.from_row(
                i,
                done_quantity=done_of[i.id],
                overdue=i.status == "open" and i.due_date is not None and i.due_date < today,
                voided=False,
            )
            for i in items
        ],
        plan_versions=[],
        checklist=[],
        records=[],
        stage_reports=[],
        rectifications=[],
        contract_signed_on=engagement.contract_signed_on,
        handed_over_on=engagement.handed_over_on,
        deliverables=list(engagement.deliverables or []),
        checklist_counts=wf.ChecklistCounts(
            settled=sum(1 for e in entries if e.status != "pending"), total=len(entries)
        ),
    )
    assert [i.done_quantity for i in expected.list_items] == [2, 0]
    assert expected.list_items[0].overdue
    assert raw.body == wf.WorkflowReply(items=[expected, None]).model_dump_json().encode()
    # Another agency's scope reads nothing of it.
    assert other.items == [None, None]


async def test_a_page_of_engagements_is_what_the_orm_engagements_give(db: Database):
    """A page reads the columns its views show as plain rows: byte for byte the reply
    built from ORM engagements, and nothing of another agency."""
    engagement_id, unit_id, scope = await engagement_in_implementation(db)
    await engagement_in_implementation(db)  # another agency's
    async with db.transaction() as s:
        page = await queries.list_engagements(s, rpc.ListEngagementsRequest(scope=scope))
        engagement = await s.get(Engagement, engagement_id)
        unit = await s.get(Unit, unit_id)
    assert engagement is not None
    assert unit is not None
    expected = rpc.EngagementPage(
        items=[engagement_view(engagement, unit.region_code)], has_next=False, total=1
    )
    assert page.model_dump_json() == expected.model_dump_json()
