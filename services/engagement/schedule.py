"""Time: list items whose time node passed become overdue (R4.2.2.1 time nodes).

`notify_overdue` runs periodically in the service. It marks each newly overdue item
and records one `engagement.milestone_overdue.v1` for it in the same transaction, so
an item is announced exactly once even with several replicas (rows are claimed with
FOR UPDATE SKIP LOCKED on PostgreSQL) or after a crash.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as we
from contracts.engagement.enums import ListItemStatus
from kit.events import make_event
from kit.outbox import record_event
from kit.rpc import CallContext
from services.engagement.models import Engagement, ListItem, Rectification, messaging

BATCH = 500


def is_overdue(item: ListItem, today: date) -> bool:
    return (
        item.status == ListItemStatus.OPEN.value
        and item.due_date is not None
        and item.due_date < today
    )


async def notify_overdue(session: AsyncSession, today: date) -> int:
    """Announce list items and rectification items that became overdue since the last
    scan; returns how many."""
    return await _overdue_items(session, today) + await _overdue_rectifications(session, today)


async def _overdue_items(session: AsyncSession, today: date) -> int:
    query = (
        select(ListItem, Engagement.agency_id)
        .join(Engagement, Engagement.id == ListItem.engagement_id)
        .where(
            ListItem.status == ListItemStatus.OPEN.value,
            ListItem.due_date < today,
            ListItem.overdue_notified_on.is_(None),
        )
        .order_by(ListItem.due_date)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=ListItem, skip_locked=True)
    rows = (await session.execute(query)).all()
    for item, agency_id in rows:
        item.overdue_notified_on = today
        ctx = _system(agency_id)
        data = engagement_event_data.MilestoneOverdueData(
            item_id=item.id,
            catalogue_code=item.catalogue_code,
            due_date=item.due_date or today,
            detected_on=today,
        )
        event = make_event(we.MilestoneOverdueV1, ctx, data, engagement_id=item.engagement_id)
        await record_event(session, messaging, event)
    return len(rows)


async def _overdue_rectifications(session: AsyncSession, today: date) -> int:
    query = (
        select(Rectification, Engagement.agency_id)
        .join(Engagement, Engagement.id == Rectification.engagement_id)
        .where(
            Rectification.status != "closed",
            Rectification.due_date < today,
            Rectification.overdue_notified_on.is_(None),
        )
        .order_by(Rectification.due_date)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Rectification, skip_locked=True)
    rows = (await session.execute(query)).all()
    for row, agency_id in rows:
        row.overdue_notified_on = today
        data = engagement_event_data.RectificationOverdueData(
            rectification_id=row.id,
            problem_key=row.problem_key,
            due_date=row.due_date,
            detected_on=today,
        )
        event = make_event(
            we.RectificationOverdueV1, _system(agency_id), data, engagement_id=row.engagement_id
        )
        await record_event(session, messaging, event)
    return len(rows)


def _system(agency_id: object) -> CallContext:
    return CallContext(actor="system:engagement", tenant=f"agency:{agency_id}", correlation_id="")
