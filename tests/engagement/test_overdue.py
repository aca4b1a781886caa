"""Time nodes that pass become overdue, announced once (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from contracts import core
from contracts.engagement import actions as engagement_actions
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from kit.db import Database
from kit.ids import new_id
from kit.rpc import CallContext
from services.engagement.models import ListItem, messaging
from services.engagement.workflow.commands import act, engagements, overdue
from tests.e2e.harness import new_uscc
from tests.engagement import registry_rows as registry
from tests.engagement.rows import engagement_in_implementation

CTX = CallContext(actor="pm", tenant="agency:x", correlation_id="c")
TODAY = date(2027, 6, 1)


async def overdue_events(db: Database) -> int:
    outbox = messaging.outbox
    async with db.transaction() as s:
        q = select(func.count()).where(outbox.c.subject.like("%milestone_overdue%"))
        return int((await s.execute(q)).scalar_one())


async def test_R4_2_2_1_a_passed_time_node_is_announced_exactly_once(db: Database):
    async with db.transaction() as s:
        unit = await registry.entered_unit(
            s,
            engagement_rpc_directory.CreateUnitRequest(
                name="u", uscc=new_uscc(), industry_code="C26", address="a", agency_id=None
            ),
            CTX,
        )
    agency_id = new_id()
    scope = core.Scope(agency_id=agency_id)
    async with db.transaction() as s:
        unit_scope = core.Scope(unit_id=unit.id)
        made, _region = await engagements.open_engagement(
            s,
            rpc.CreateEngagementRequest(
                unit_id=unit.id,
                agency_id=agency_id,
                service_modes=["roving"],
                period_start=date(2027, 1, 1),
                period_end=date(2027, 12, 31),
                scope=unit_scope,
            ),
            CTX,
        )
    for due in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1), None):
        async with db.transaction() as s:
            action = engagement_actions.AddListItem(
                catalogue_code="6.1.5", scope="监测", due_date=due
            )
            await act.act(
                s,
                engagement_actions.ActRequest(engagement_id=made.id, scope=scope, action=action),
                CTX,
            )

    async with db.transaction() as s:
        assert await overdue.notify_overdue(s, TODAY) == 1
    async with db.transaction() as s:
        assert await overdue.notify_overdue(s, TODAY) == 0  # already announced
        # Two days on, the items due today and tomorrow have passed too; the undated never.
        assert await overdue.notify_overdue(s, TODAY + timedelta(days=2)) == 2
    assert await overdue_events(db) == 3
    async with db.transaction() as s:
        notified = await s.scalars(
            select(ListItem.due_date).where(ListItem.overdue_notified_on.is_not(None))
        )
        assert sorted(d for d in notified if d) == [
            TODAY - timedelta(days=1),
            TODAY,
            TODAY + timedelta(days=1),
        ]


async def test_R4_2_3_1_an_overdue_rectification_is_announced_once(db: Database):
    engagement_id, _, scope = await engagement_in_implementation(db)
    for due in (TODAY - timedelta(days=3), TODAY + timedelta(days=3)):
        async with db.transaction() as s:
            action = engagement_actions.RaiseRectification(
                problem_key="噪声超标", description="d", plan="p", owner="o", due_date=due
            )
            req = engagement_actions.ActRequest(
                engagement_id=engagement_id, scope=scope, action=action
            )
            await act.act(s, req, CTX)
    for expected in (1, 0):
        async with db.transaction() as s:
            assert await overdue.notify_overdue(s, TODAY) == expected
    outbox = messaging.outbox
    async with db.transaction() as s:
        q = select(func.count()).where(outbox.c.subject.like("%rectification_overdue%"))
        assert (await s.execute(q)).scalar_one() == 1
