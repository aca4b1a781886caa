"""Reminders of occurrences, scheduled with `kit.notify` (delivered once per key by the
service's DeliveryWorker): for each open occurrence, each person to remind, each lead
time whose day is today or tomorrow (a day's slack for a missed scan) and each of the
person's channels, one notification keyed `occurrence:person:lead:channel`, so the
daily scan, a second replica and a restart may all schedule it and it is sent once.
The agency's own webhook endpoints get one per occurrence, lead time and endpoint.

Who is reminded (docs/calendar.md, "Reminders"): the people who registered the unit's
permits (its project managers), and the agency's staff who asked to follow every unit
of their agency (`remindAllUnits` in their settings). On which channels: the person's
kit.notify preferences (else the agency's default, else in-app and email), each only
where the person has an address for it (an email address, a personal webhook).

Lead times: the rule's always (they are the legal warning points, e.g. 6 and 3 months
before a permit expires) plus the day after the due date; a person's or the agency's
chosen lead times add to them. Quiet hours: the person's, else the agency's, else
22:00-08:00 Asia/Shanghai."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit import notify
from kit.notify import Channel, Notification, Preferences, QuietHours, schedule
from kit.notify.tables import preferences as preference_table
from services.compliance import clock
from services.compliance.calendar.domain import OPEN
from services.compliance.contacts import repository as contacts
from services.compliance.contacts.views import effective_quiet
from services.compliance.models import (
    AgencyRule,
    NotificationContact,
    Occurrence,
    Permit,
    UnitAgency,
    UnitEntry,
)
from services.compliance.rules import ruleset

SHANGHAI = ZoneInfo("Asia/Shanghai")
OVERDUE_LEAD = -1
"""The day after the due date: the 'overdue' reminder."""
ENGAGEMENT_LEADS = (14, 7, 3, 1)
"""Lead times of the engagements' list items and rectifications (intake/commands.py)."""
AGENCY_WEBHOOK = "agency-webhook"
"""The recipient part of an agency endpoint's keys:
`<occurrence>:agency-webhook:<endpoint>:<lead>:webhook`."""


def reminder_days(due: date, leads: Iterable[int]) -> dict[int, date]:
    return {lead: due - timedelta(days=lead) for lead in [*leads, OVERDUE_LEAD]}


def _due_at(day: date) -> datetime:
    """The day's reminder time (ECOHOST_COMPLIANCE_REMIND_AT, 09:00) in Shanghai, as UTC."""
    return datetime.combine(day, clock.remind_at(), SHANGHAI).astimezone(UTC)


def reminder_text(o: Occurrence, lead: int, unit_name: str) -> tuple[str, str]:
    """Chinese subject and body: the unit, the obligation, its period and due date, and
    nothing about anyone else."""
    what = f"{o.title_zh}（{o.period_label}）"
    if lead < 0:
        subject = f"【已逾期】{unit_name}：{what}"
        when = f"已于 {o.due_date} 到期，尚未办结"
    elif lead == 0:
        subject = f"【今日到期】{unit_name}：{what}"
        when = f"今天（{o.due_date}）到期"
    else:
        subject = f"【{lead}天后到期】{unit_name}：{what}"
        when = f"将于 {o.due_date} 到期，还有 {lead} 天"
    body = (
        f"单位：{unit_name}\n"
        f"事项：{what}\n"
        f"到期日：{o.due_date}（{when}）\n"
        "\n"
        "请在环保管家系统的合规日历中办理（完成或说明不适用）。\n"
        "此提醒由环保管家系统自动发送；提醒方式、提前天数和免打扰时段可在“我的提醒设置”中修改。\n"
    )
    return subject, body


def reminder_data(o: Occurrence) -> dict[str, str]:
    """What a reminder carries for a machine (a webhook's `data`), besides its lead time."""
    return {
        "occurrence_id": str(o.id),
        "unit_id": str(o.unit_id),
        "due_date": o.due_date.isoformat(),
    }


async def _responsible(session: AsyncSession, unit_ids: set[UUID]) -> dict[UUID, set[str]]:
    query = select(Permit.unit_id, Permit.created_by).where(Permit.unit_id.in_(unit_ids))
    people: dict[UUID, set[str]] = {}
    for unit_id, person in await session.execute(query):
        people.setdefault(unit_id, set()).add(person)
    return people


async def unit_names(
    session: AsyncSession, unit_ids: set[UUID]
) -> dict[tuple[UUID, UUID | None], str]:
    """Each unit's name by (unit, None); by (unit, agency) where that agency works from
    its own file of the unit (a provisional link, issue 14): the name it typed, never
    the registry's, which it has not been shown."""
    query = select(UnitEntry.unit_id, UnitEntry.name).where(UnitEntry.unit_id.in_(unit_ids))
    names: dict[tuple[UUID, UUID | None], str] = {
        (unit_id, None): name for unit_id, name in await session.execute(query)
    }
    own = select(UnitAgency.unit_id, UnitAgency.agency_id, UnitAgency.file_name).where(
        UnitAgency.unit_id.in_(unit_ids), UnitAgency.file_name.is_not(None)
    )
    for unit_id, agency_id, file_name in await session.execute(own):
        names[(unit_id, agency_id)] = str(file_name)
    return names


def _address(channel: Channel, contact: NotificationContact | None) -> str | None:
    """Where a person's reminder on `channel` goes; None: nowhere (not sent on it)."""
    if channel == Channel.IN_APP:
        return ""
    if contact is None:
        return None
    if channel == Channel.EMAIL:
        return contact.email
    return str(contact.webhook_id) if contact.webhook_id else None


def _leads(o: Occurrence, prefs: Preferences | None) -> dict[int, date]:
    chosen = prefs.lead_days if prefs is not None and prefs.source != "library" else ()
    return reminder_days(o.due_date, {*o.lead_days, *chosen})


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
    unit_ids = {o.unit_id for o in rows}
    tenants = {f"agency:{o.agency_id}" for o in rows}
    responsible = await _responsible(session, unit_ids)
    followers = await contacts.followers(session, tenants)
    names = await unit_names(session, unit_ids)
    pairs = {
        (f"agency:{o.agency_id}", person)
        for o in rows
        for person in responsible.get(o.unit_id, set())
        | followers.get(f"agency:{o.agency_id}", set())
    }
    contact_of = await contacts.of_people(session, pairs)
    prefs_of = {pair: await notify.get_preferences(session, *pair) for pair in sorted(pairs)}
    endpoints = {tenant: await _agency_endpoints(session, tenant) for tenant in tenants}

    by_quiet: dict[QuietHours, list[Notification]] = defaultdict(list)
    window = (today, today + timedelta(days=1))
    for o in rows:
        tenant = f"agency:{o.agency_id}"
        unit_name = names.get((o.unit_id, o.agency_id)) or names.get((o.unit_id, None), "")
        data = reminder_data(o)
        people = responsible.get(o.unit_id, set()) | followers.get(tenant, set())
        for person in sorted(people):
            contact = contact_of.get((tenant, person))
            prefs = prefs_of[(tenant, person)]
            quiet = effective_quiet(contact, contact_of.get((tenant, contacts.TENANT_ROW)))
            for lead, day in _leads(o, prefs).items():
                if not window[0] <= day <= window[1]:
                    continue
                subject, body = reminder_text(o, lead, unit_name)
                for channel in prefs.channels:
                    address = _address(channel, contact)
                    if address is None:
                        continue
                    by_quiet[quiet].append(
                        Notification(
                            key=f"{o.id}:{person}:{lead}:{channel.value}",
                            tenant=tenant,
                            recipient=person,
                            channel=channel,
                            address=address or None,
                            subject=subject,
                            body=body,
                            data={**data, "lead_days": lead},
                            due_at=_due_at(day),
                        )
                    )
        agency_quiet = effective_quiet(None, contact_of.get((tenant, contacts.TENANT_ROW)))
        for endpoint_id in endpoints[tenant]:
            for lead, day in _leads(o, None).items():
                if not window[0] <= day <= window[1]:
                    continue
                subject, body = reminder_text(o, lead, unit_name)
                by_quiet[agency_quiet].append(
                    Notification(
                        key=f"{o.id}:{AGENCY_WEBHOOK}:{endpoint_id}:{lead}:webhook",
                        tenant=tenant,
                        recipient=f"{AGENCY_WEBHOOK}:{endpoint_id}",
                        channel=Channel.WEBHOOK,
                        address=str(endpoint_id),
                        subject=subject,
                        body=body,
                        data={**data, "lead_days": lead},
                        due_at=_due_at(day),
                    )
                )
    new = 0
    for quiet, items in by_quiet.items():
        new += await schedule(session, items, quiet_hours=quiet)
    return new


async def _agency_endpoints(session: AsyncSession, tenant: str) -> list[UUID]:
    """The agency's enabled endpoints, not its people's personal ones."""
    personal = await contacts.personal_webhook_ids(session, tenant)
    return [
        w.id
        for w in await notify.list_webhooks(session, tenant)
        if w.enabled and w.id not in personal
    ]


async def _all_leads(session: AsyncSession) -> set[int]:
    """Every lead time the rules and people's preferences use (a handful), plus the
    overdue one."""
    rules = ruleset()
    leads = {OVERDUE_LEAD, *ENGAGEMENT_LEADS}
    for rule in [*rules.rules.values(), *rules.event_rules.values()]:
        leads.update(rule.lead_days)
    for (definition,) in await session.execute(select(AgencyRule.definition)):
        leads.update(int(d) for d in definition.get("lead_days", []))
    chosen = select(preference_table.c.lead_days).distinct()
    for (text,) in await session.execute(chosen):
        leads.update(int(d) for d in json.loads(text))
    return leads
