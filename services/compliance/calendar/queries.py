"""Reads of the calendar: a page of occurrences, and a person's work."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import OccurrenceState, WorkKind
from services.compliance import clock
from services.compliance.calendar import repository
from services.compliance.calendar.domain import OPEN, state
from services.compliance.calendar.views import occurrence_view
from services.compliance.models import WorkItem


async def calendar(
    session: AsyncSession, req: compliance_rpc.CalendarRequest
) -> compliance_rpc.CalendarPage:
    today, soon = clock.today(), clock.due_soon_days()
    where = repository.occurrence_filters(
        req.scope,
        unit_id=req.unit_id,
        engagement_id=req.engagement_id,
        agency_id=req.agency_id,
        from_date=req.from_date,
        to_date=req.to_date,
        kinds=[k.value for k in req.kinds],
        states=repository.state_condition(req.states, today, soon),
    )
    rows, has_next, total = await repository.occurrence_page(
        session, where, req.after_due, req.after_id, req.limit
    )
    return compliance_rpc.CalendarPage(
        items=[occurrence_view(r, today, soon) for r in rows],
        has_next=has_next,
        total=total,
        today=today,
    )


OPEN_STATES = [OccurrenceState.OVERDUE, OccurrenceState.DUE_SOON, OccurrenceState.UPCOMING]


async def my_work(
    session: AsyncSession, req: compliance_rpc.MyWorkRequest
) -> compliance_rpc.WorkPage:
    """Obligations (open occurrences, by due date) first, then the engagement steps
    waiting for the caller. One keyset over both: obligations by (due date, id), then
    steps by (due date or far future, id)."""
    today, soon = clock.today(), clock.due_soon_days()
    items: list[compliance_rpc.WorkItemView] = []
    total = 0
    if WorkKind.OBLIGATION in req.kinds:
        states = [s for s in (req.states or OPEN_STATES) if s in OPEN_STATES]
        where = repository.occurrence_filters(
            req.scope,
            unit_id=req.unit_id,
            engagement_id=req.engagement_id,
            agency_id=None,
            from_date=req.from_date,
            to_date=req.to_date,
            kinds=[],
            states=repository.state_condition(states, today, soon) if states else None,
        )
        if states:
            rows, _more, total = await repository.occurrence_page(session, where, None, None, 5000)
            for row in rows:
                view = occurrence_view(row, today, soon)
                items.append(
                    compliance_rpc.WorkItemView(
                        id=row.id,
                        kind=WorkKind.OBLIGATION,
                        title=row.title_zh,
                        unit_id=row.unit_id,
                        engagement_id=row.engagement_id,
                        due_date=row.due_date,
                        state=view.state,
                        occurrence=view,
                    )
                )
    steps = [k.value for k in req.kinds if k is not WorkKind.OBLIGATION]
    if steps:
        where = repository.work_filters(
            req.scope,
            kinds=steps,
            unit_id=req.unit_id,
            engagement_id=req.engagement_id,
            from_date=req.from_date,
            to_date=req.to_date,
        )
        for work in await repository.open_work(session, where):
            view_state = _work_state(work, today, soon)
            if req.states and view_state not in req.states:
                continue
            items.append(_work_view(work, view_state))
    items.sort(key=lambda i: (i.due_date or date.max, i.id))
    total = len(items)
    if req.after_id is not None:
        after = (req.after_due or date.max, req.after_id)
        items = [i for i in items if (i.due_date or date.max, i.id) > after]
    return compliance_rpc.WorkPage(
        items=items[: req.limit], has_next=len(items) > req.limit, total=total
    )


def _work_state(work: WorkItem, today: date, soon: int) -> OccurrenceState:
    if work.due_date is None:
        return OccurrenceState.UPCOMING
    return state(OPEN, work.due_date, today, soon)


def _work_view(work: WorkItem, view_state: OccurrenceState) -> compliance_rpc.WorkItemView:
    return compliance_rpc.WorkItemView(
        id=work.id,
        kind=WorkKind(work.kind),
        title=work.title,
        unit_id=work.unit_id,
        engagement_id=work.engagement_id,
        due_date=work.due_date,
        state=view_state,
        occurrence=None,
    )
