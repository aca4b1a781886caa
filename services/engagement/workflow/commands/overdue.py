"""Time: list items whose time node passed become overdue (R4.2.2.1 time nodes), and so
do rectification items past their due date.

`notify_overdue` runs periodically in the service. It marks each newly overdue item
and records one `engagement.milestone_overdue.v1` (or `rectification_overdue.v1`) for
it in the same transaction, so an item is announced exactly once even with several
replicas (rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL) or after a crash.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from kit.events import make_event
from kit.outbox import record_event
from kit.rpc import CallContext
from services.engagement.models import messaging
from services.engagement.workflow import repository

BATCH = 500


async def notify_overdue(session: AsyncSession, today: date) -> int:
    """Announce list items and rectification items that became overdue since the last
    scan; returns how many."""
    return await _overdue_items(session, today) + await _overdue_rectifications(session, today)


async def _overdue_items(session: AsyncSession, today: date) -> int:
    rows = await repository.claim_overdue_items(session, today, BATCH)
    for item, agency_id in rows:
        item.overdue_notified_on = today
        data = engagement_event_data.MilestoneOverdueData(
            item_id=item.id,
            catalogue_code=item.catalogue_code,
            due_date=item.due_date or today,
            detected_on=today,
        )
        event = make_event(
            engagement_events.MilestoneOverdueV1,
            _system(agency_id),
            data,
            engagement_id=item.engagement_id,
        )
        await record_event(session, messaging, event)
    return len(rows)


async def _overdue_rectifications(session: AsyncSession, today: date) -> int:
    rows = await repository.claim_overdue_rectifications(session, today, BATCH)
    for row, agency_id in rows:
        row.overdue_notified_on = today
        data = engagement_event_data.RectificationOverdueData(
            rectification_id=row.id,
            problem_key=row.problem_key,
            due_date=row.due_date,
            detected_on=today,
        )
        event = make_event(
            engagement_events.RectificationOverdueV1,
            _system(agency_id),
            data,
            engagement_id=row.engagement_id,
        )
        await record_event(session, messaging, event)
    return len(rows)


def _system(agency_id: UUID) -> CallContext:
    return CallContext(actor="system:engagement", tenant=f"agency:{agency_id}", correlation_id="")
