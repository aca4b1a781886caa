"""An iCalendar (RFC 5545) document of occurrences: one all-day VEVENT per open
occurrence, with a VALARM at each of its reminder lead times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import OccurrenceState

PRODID = "-//ecohost//compliance calendar//ZH"


def feed_document(
    occurrences: Iterable[compliance_rpc.OccurrenceView], name: str, now: datetime | None = None
) -> bytes:
    stamp = now or datetime.now(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for o in occurrences:
        cal.add_component(_event(o, stamp))
    return bytes(cal.to_ical())


def _event(o: compliance_rpc.OccurrenceView, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{o.id}@ecohost")
    event.add("dtstamp", stamp)
    event.add("dtstart", o.due_date)
    event.add("dtend", o.due_date + timedelta(days=1))
    overdue = "【逾期】" if o.state is OccurrenceState.OVERDUE else ""
    event.add("summary", f"{overdue}{o.title_zh}（{o.period_label}）")
    lines = [o.title_en, f"{o.kind.value} · {o.rule_code} · {o.period_label}"]
    if o.statement_only:
        lines.append("停产期间：提交停产说明即可 (stoppage statement only)")
    event.add("description", "\n".join(lines))
    event.add("categories", [o.kind.value])
    event.add("transp", "TRANSPARENT")
    for days in o.lead_days:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{o.title_zh}：{days}天后到期")
        alarm.add("trigger", timedelta(days=-days))
        event.add_component(alarm)
    return event
