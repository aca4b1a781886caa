"""Pure rules of the calendar: periods of a frequency, the due date of a period by a
deadline rule (working days by the holiday calendar), stoppages, and the state of an
occurrence on a given day. No I/O."""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from contracts.compliance.enums import Frequency, OccurrenceState, WorkKind
from contracts.compliance.rpc import Deadline
from contracts.core import Scope
from services.compliance.rules import HolidayYear, holiday_years

HORIZON_MONTHS = 18
"""Occurrences are kept generated this far ahead of today."""

OPEN, DONE, WAIVED, SUSPENDED = "open", "done", "waived", "suspended"
"""Stored statuses; upcoming / due soon / overdue are read from the due date."""

MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
    Frequency.TRIENNIAL: 36,
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str


@dataclass(frozen=True)
class WorkingCalendar:
    """Mainland working days: Monday to Friday, less public holidays, plus the make-up
    working days (调休) of the years the holiday data holds."""

    years: dict[int, HolidayYear]

    def is_working_day(self, day: date) -> bool:
        year = self.years.get(day.year)
        if year is not None:
            if day in year.working_days:
                return True
            if day in year.holidays:
                return False
        return day.weekday() < 5

    def add_working_days(self, day: date, count: int) -> date:
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def roll_forward(self, day: date) -> date:
        """A deadline on a rest day moves to the next working day (顺延)."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def china() -> WorkingCalendar:
    return WorkingCalendar(holiday_years())


def add_months(day: date, months: int, on_day: int | None = None) -> date:
    """`day` shifted by whole months, on `on_day` (default the same day), clamped to
    the month's length (31 → 28 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(on_day or day.day, last))


def period_label(frequency: Frequency, start: date, end: date) -> str:
    match frequency:
        case Frequency.MONTHLY:
            return f"{start:%Y-%m}"
        case Frequency.QUARTERLY:
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        case Frequency.SEMIANNUAL:
            return f"{start.year}-H{1 if start.month <= 6 else 2}"
        case Frequency.ANNUAL:
            return f"{start.year}"
        case _:
            return f"{start.isoformat()}/{end.isoformat()}"


def periods(
    frequency: Frequency, first: date, last: date, anchor: date | None = None
) -> Iterator[Period]:
    """The periods of `frequency` that overlap [first, last]. Calendar frequencies align
    on the calendar (quarters start in January); a triennial one starts at `anchor`."""
    months = MONTHS.get(frequency)
    if months is None:
        return
    if frequency is Frequency.TRIENNIAL:
        start = anchor or date(first.year, 1, 1)
    else:
        month0 = ((first.month - 1) // months) * months + 1 if months < 12 else 1
        start = date(first.year, month0, 1)
    while start <= last:
        end = add_months(start, months) - timedelta(days=1)
        if end >= first:
            yield Period(start, end, period_label(frequency, start, end))
        start = add_months(start, months)


def due_date(period: Period, deadline: Deadline, cal: WorkingCalendar) -> date:
    base = period.end if deadline.anchor == "period_end" else period.start
    if deadline.months or deadline.day is not None:
        base = add_months(base, deadline.months, deadline.day)
    if deadline.working_days:
        base = cal.add_working_days(base, deadline.days)
    else:
        base += timedelta(days=deadline.days)
    return cal.roll_forward(base) if deadline.roll_to_working_day else base


def horizon_end(today: date) -> date:
    """The last day of the month 18 months ahead: the horizon moves a month at a time,
    so a unit has new occurrences to generate once a month."""
    return add_months(today.replace(day=1), HORIZON_MONTHS + 1) - timedelta(days=1)


REGENERATION_SLICES = 28
"""A unit's monthly regeneration falls on one of the first 28 days of the month, by its
id: the daily scan regenerates a 28th of the units instead of all of them on the 1st
(bench/calendar.py). The horizon then reaches at least 17 months ahead, far beyond the
longest reminder lead (6 months)."""


def next_regeneration(unit_id: UUID, today: date) -> date:
    """The day after `today` on which the unit's horizon is next extended: its slice's
    day of next month."""
    return add_months(today.replace(day=1), 1) + timedelta(days=unit_id.int % REGENERATION_SLICES)


@dataclass(frozen=True)
class Stoppage:
    starts_on: date
    ends_on: date | None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def stopped_on(stoppages: Iterable[Stoppage], period: Period) -> bool:
    """Whether the unit was stopped for the whole period (then its work does not apply)."""
    return any(s.covers(period.start) and s.covers(period.end) for s in stoppages)


def state(status: str, due: date, today: date, soon_days: int) -> OccurrenceState:
    match status:
        case "done":
            return OccurrenceState.DONE
        case "waived":
            return OccurrenceState.WAIVED
        case "suspended":
            return OccurrenceState.SUSPENDED
    if due < today:
        return OccurrenceState.OVERDUE
    if due <= today + timedelta(days=soon_days):
        return OccurrenceState.DUE_SOON
    return OccurrenceState.UPCOMING


# A unit link request waits for its recipient only: the sender sees it among the
# requests it sent (unitLinkRequests), not as work of its own; nobody else waits on it.
LINK_REQUESTS = [WorkKind.UNIT_LINK_PROPOSAL.value, WorkKind.UNIT_LINK_INVITATION.value]


def work_not_waiting_for(scope: Scope) -> list[str]:
    """The kinds of step that never wait for this caller, whatever their owners: an
    agency's proposal waits for the unit, a unit's invitation for the agency."""
    if scope.unit_id is not None:
        return [WorkKind.UNIT_LINK_INVITATION.value]
    if scope.agency_id is not None:
        return [WorkKind.UNIT_LINK_PROPOSAL.value]
    return LINK_REQUESTS
