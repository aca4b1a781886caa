"""Reads of the calendar: a page of occurrences, and a person's work."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import OccurrenceState, WorkKind
from kit.keyset import TOTAL_CAP
from services.compliance import clock
from services.compliance.calendar import repository
from services.compliance.calendar.domain import OPEN, state
from services.compliance.calendar.repository import NO_DUE_DATE
from services.compliance.calendar.views import occurrence_view
from services.compliance.models import Occurrence, WorkItem


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
    """Obligations (open occurrences) and the engagement steps waiting for the caller, as
    one keyset in (due date, id) order — steps without a due date last. Each stream is a
    keyset page in SQL from the same cursor; the page is the first `limit` of their merge,
    so a page costs two indexed reads however much work there is."""
    today, soon = clock.today(), clock.due_soon_days()
    after = None if req.after_id is None else (req.after_due or NO_DUE_DATE, req.after_id)
    merged: list[tuple[tuple[date, UUID], compliance_rpc.WorkItemView]] = []
    total = 0
    states = [s for s in (req.states or OPEN_STATES) if s in OPEN_STATES]
    if WorkKind.OBLIGATION in req.kinds and states:
        where = repository.occurrence_filters(
            req.scope,
            unit_id=req.unit_id,
            engagement_id=req.engagement_id,
            agency_id=None,
            from_date=req.from_date,
            to_date=req.to_date,
            kinds=[],
            states=repository.state_condition(states, today, soon),
        )
        # Every obligation has a due date: after an undated step none is left.
        exhausted = after is not None and after[0] == NO_DUE_DATE
        after_due, after_id = after if after is not None else (None, None)
        rows, _more, count = await repository.occurrence_page(
            session, where, after_due, after_id, 0 if exhausted else req.limit
        )
        total += count
        for row in rows:
            view = occurrence_view(row, today, soon)
            merged.append(((row.due_date, row.id), _obligation_view(row, view)))
    steps = [k.value for k in req.kinds if k is not WorkKind.OBLIGATION]
    if steps and states:
        where = repository.work_filters(
            req.scope,
            kinds=steps,
            unit_id=req.unit_id,
            engagement_id=req.engagement_id,
            from_date=req.from_date,
            to_date=req.to_date,
        )
        condition = repository.work_state_condition(states, today, soon)
        if condition is not None:
            where.append(condition)
        work, count = await repository.work_page(session, where, after, req.limit)
        total += count
        for w in work:
            key = (w.due_date or NO_DUE_DATE, w.id)
            merged.append((key, _work_view(w, _work_state(w, today, soon))))
    merged.sort(key=lambda pair: pair[0])
    return compliance_rpc.WorkPage(
        items=[view for _key, view in merged[: req.limit]],
        has_next=len(merged) > req.limit,
        total=min(total, TOTAL_CAP),  # two capped counts: still "1,000 or more" at most
    )


def _obligation_view(
    row: Occurrence, view: compliance_rpc.OccurrenceView
) -> compliance_rpc.WorkItemView:
    return compliance_rpc.WorkItemView(
        id=row.id,
        kind=WorkKind.OBLIGATION,
        title=row.title_zh,
        unit_id=row.unit_id,
        engagement_id=row.engagement_id,
        due_date=row.due_date,
        state=view.state,
        occurrence=view,
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
