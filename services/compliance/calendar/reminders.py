"""Reminders of occurrences, scheduled with `kit.notify` (delivered once per key by the
service's DeliveryWorker): for each open occurrence, each person to remind, each lead
time whose day is today or tomorrow (a day's slack for a missed scan) and each of the
person's channels, one notification keyed `occurrence:person:lead:channel`, so the
daily scan, a second replica and a restart may all schedule it and it is sent once.

Who is reminded: the people who registered the unit's permits (its project managers).
In-app only for now: email and webhooks need addresses the calendar does not hold (the
people's directory is the engagement service's); `kit.notify` preferences choose among
the channels the calendar can address."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.notify import Channel, Notification, QuietHours, get_preferences, schedule
from services.compliance.calendar.domain import OPEN
from services.compliance.models import AgencyRule, Occurrence, Permit
from services.compliance.rules import ruleset

SHANGHAI = ZoneInfo("Asia/Shanghai")
REMIND_AT = time(9, 0)
"""Local time a reminder of a day is due (quiet hours move it if they cover it)."""
OVERDUE_LEAD = -1
"""The day after the due date: the 'overdue' reminder."""
ADDRESSABLE = (Channel.IN_APP,)
ENGAGEMENT_LEADS = (14, 7, 3, 1)
"""Lead times of the engagements' list items and rectifications (intake/commands.py)."""


def reminder_days(due: date, leads: Iterable[int]) -> dict[int, date]:
    return {lead: due - timedelta(days=lead) for lead in [*leads, OVERDUE_LEAD]}


def _due_at(day: date) -> datetime:
    return datetime.combine(day, REMIND_AT, SHANGHAI).astimezone(UTC)


def _text(o: Occurrence, lead: int) -> tuple[str, str]:
    if lead == OVERDUE_LEAD:
        subject = f"【已逾期】{o.title_zh}（{o.period_label}）"
        body = f"{o.title_zh}（{o.period_label}）已于 {o.due_date} 到期，尚未办结。"
    elif lead == 0:
        subject = f"【今日到期】{o.title_zh}（{o.period_label}）"
        body = f"{o.title_zh}（{o.period_label}）今天（{o.due_date}）到期。"
    else:
        subject = f"【{lead}天后到期】{o.title_zh}（{o.period_label}）"
        body = f"{o.title_zh}（{o.period_label}）将于 {o.due_date} 到期，还有 {lead} 天。"
    return subject, body


async def _people(session: AsyncSession, unit_ids: set[UUID]) -> dict[UUID, set[str]]:
    query = select(Permit.unit_id, Permit.created_by).where(Permit.unit_id.in_(unit_ids))
    people: dict[UUID, set[str]] = {}
    for unit_id, person in await session.execute(query):
        people.setdefault(unit_id, set()).add(person)
    return people


async def schedule_reminders(
    session: AsyncSession, today: date, unit_id: UUID | None = None
) -> int:
    """Schedule the reminders falling due today or tomorrow; returns how many were new."""
    leads = await _all_leads(session)
    wanted_dues = {today + timedelta(days=lead + shift) for lead in leads for shift in (0, 1)}
    query = select(Occurrence).where(
        Occurrence.status == OPEN,
        Occurrence.due_date.in_(sorted(wanted_dues)),
        Occurrence.agency_id.is_not(None),
    )
    if unit_id is not None:
        query = query.where(Occurrence.unit_id == unit_id)
    rows = list((await session.execute(query)).scalars())
    if not rows:
        return 0
    people = await _people(session, {o.unit_id for o in rows})
    items: list[Notification] = []
    window = (today, today + timedelta(days=1))
    for o in rows:
        tenant = f"agency:{o.agency_id}"
        for person in sorted(people.get(o.unit_id, ())):
            prefs = await get_preferences(session, tenant, person)
            channels = [c for c in prefs.channels if c in ADDRESSABLE]
            for lead, day in reminder_days(o.due_date, o.lead_days).items():
                if not window[0] <= day <= window[1]:
                    continue
                subject, body = _text(o, lead)
                for channel in channels:
                    items.append(
                        Notification(
                            key=f"{o.id}:{person}:{lead}:{channel.value}",
                            tenant=tenant,
                            recipient=person,
                            channel=channel,
                            address=None,
                            subject=subject,
                            body=body,
                            data={
                                "occurrence_id": str(o.id),
                                "unit_id": str(o.unit_id),
                                "due_date": o.due_date.isoformat(),
                                "lead_days": lead,
                            },
                            due_at=_due_at(day),
                        )
                    )
    return await schedule(session, items, quiet_hours=QuietHours()) if items else 0


async def _all_leads(session: AsyncSession) -> set[int]:
    """Every lead time the rules use (a handful), plus the overdue one."""
    rules = ruleset()
    leads = {OVERDUE_LEAD, *ENGAGEMENT_LEADS}
    for rule in [*rules.rules.values(), *rules.event_rules.values()]:
        leads.update(rule.lead_days)
    for (definition,) in await session.execute(select(AgencyRule.definition)):
        leads.update(int(d) for d in definition.get("lead_days", []))
    return leads
