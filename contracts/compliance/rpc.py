"""Request/reply contracts of the compliance calendar (合规日历): permits, monitoring
plans and results, stoppages, agency rules, occurrences, the calendar, my work and
the calendar feed's tokens.

Dates are calendar dates in Asia/Shanghai; the service decides "today" there.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, field_validator

from contracts.compliance.enums import (
    Frequency,
    ManagementCategory,
    OccurrenceKind,
    OccurrenceState,
    WorkKind,
)
from contracts.compliance.permits import AUTHORITY_MAX, NUMBER_MAX, NUMBER_MIN, REPORT_FREQUENCIES
from contracts.core import Contract, Rpc, Scope

OUTLET_CODE = re.compile(r"^D[AW]\d{3}$")
"""HJ 608 outlet codes: DA001 (废气, air), DW001 (废水, water)."""

Text = Annotated[str, Field(min_length=1, max_length=200)]


# --- rules ------------------------------------------------------------------------------


class Deadline(Contract):
    """When an obligation of a period is due: from the period's end (or start), shifted by
    whole months, on a day of that month (clamped to its length), plus days — working
    days if `working_days` — and moved to the next working day if it falls on a rest day
    and `roll_to_working_day`. "Annual report by 31 January" is {months: 1, day: 31}."""

    anchor: str = Field(default="period_end", pattern="^(period_end|period_start)$")
    months: int = Field(default=0, ge=-24, le=36)
    day: int | None = Field(default=None, ge=1, le=31)
    days: int = Field(default=0, ge=-400, le=400)
    working_days: bool = False
    roll_to_working_day: bool = False


class RuleDefinition(Contract):
    """One recurring obligation, as data (docs/calendar.md, "Adding a rule")."""

    code: str = Field(min_length=3, max_length=60, pattern=r"^[a-z0-9_.\-]+$")
    kind: OccurrenceKind
    title_zh: Text
    title_en: Text
    clause: str = Field(default="", max_length=20, description="The standard's clause.")
    frequency: Frequency
    deadline: Deadline = Field(default_factory=Deadline)
    categories: list[ManagementCategory] = Field(
        default_factory=list, description="Units with a permit of these categories; empty: all."
    )
    lead_days: list[int] = Field(
        default_factory=lambda: [30, 7, 1],
        description="Reminder lead times in days before the due date (VALARMs too).",
    )
    during_stoppage: str = Field(
        default="applies",
        pattern="^(applies|suspended|statement_only)$",
        description="What a production stoppage does to an occurrence inside it.",
    )

    @field_validator("lead_days")
    @classmethod
    def _leads(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 400 for d in value):
            raise ValueError("lead days lie between 0 and 400")
        return sorted(set(value), reverse=True)


class ReportScheduleEntry(Contract):
    """One execution report of a permit (执行报告): its frequency and, if the permit says
    otherwise than the rule set, its own deadline."""

    frequency: Frequency
    deadline: Deadline | None = None

    @field_validator("frequency")
    @classmethod
    def _report_frequency(cls, value: Frequency) -> Frequency:
        if value not in REPORT_FREQUENCIES:
            raise ValueError("execution reports are monthly, quarterly, semiannual or annual")
        return value


# --- permits, monitoring, stoppages --------------------------------------------------------


class RegisterPermitRequest(Contract):
    unit_id: UUID
    agency_id: UUID
    number: str = Field(min_length=NUMBER_MIN, max_length=NUMBER_MAX)
    authority: str = Field(min_length=1, max_length=AUTHORITY_MAX)
    category: ManagementCategory
    valid_from: date
    valid_to: date
    outlets: list[str] = Field(default_factory=list, max_length=500)
    report_schedule: list[ReportScheduleEntry] | None = Field(
        default=None, description="Default: the rule set's schedule for the category."
    )
    scope: Scope

    @field_validator("outlets")
    @classmethod
    def _outlets(cls, value: list[str]) -> list[str]:
        for code in value:
            if not OUTLET_CODE.match(code):
                raise ValueError("an outlet is coded per HJ 608, e.g. DA001 or DW001")
        if len(set(value)) != len(value):
            raise ValueError("outlet codes must be unique within a permit")
        return value


class UpdateReportScheduleRequest(Contract):
    permit_id: UUID
    report_schedule: list[ReportScheduleEntry]
    scope: Scope


class PermitView(Contract):
    id: UUID
    unit_id: UUID
    agency_id: UUID
    number: str
    authority: str
    category: ManagementCategory
    valid_from: date
    valid_to: date
    outlets: list[str]
    report_schedule: list[ReportScheduleEntry]
    ruleset_version: str


class PermitsRequest(Contract):
    unit_id: UUID
    scope: Scope


class PermitsReply(Contract):
    items: list[PermitView]


class AddMonitoringPlanRequest(Contract):
    permit_id: UUID
    outlet: str
    pollutant: Text
    frequency: Frequency
    method: str = Field(default="", max_length=200)
    sampler: str = Field(default="", max_length=200, description="Who samples.")
    limit_value: Decimal | None = None
    limit_unit: str = Field(default="", max_length=20)
    scope: Scope

    @field_validator("frequency")
    @classmethod
    def _monitoring_frequency(cls, value: Frequency) -> Frequency:
        if value in (Frequency.TRIENNIAL, Frequency.ONCE):
            raise ValueError("monitoring is monthly, quarterly, semiannual, annual or automatic")
        return value


class MonitoringPlanView(Contract):
    id: UUID
    permit_id: UUID
    unit_id: UUID
    outlet: str
    pollutant: str
    frequency: Frequency
    method: str
    sampler: str
    limit_value: Decimal | None
    limit_unit: str


class RecordStoppageRequest(Contract):
    """停产: from `starts_on` to `ends_on` (inclusive; open-ended without it)."""

    unit_id: UUID
    starts_on: date
    ends_on: date | None = None
    reason: str = Field(default="", max_length=500)
    scope: Scope


class StoppageView(Contract):
    id: UUID
    unit_id: UUID
    starts_on: date
    ends_on: date | None
    reason: str


class DefineAgencyRuleRequest(Contract):
    agency_id: UUID
    rule: RuleDefinition


class AgencyRuleView(Contract):
    id: UUID
    agency_id: UUID
    version: int
    rule: RuleDefinition


# --- occurrences ----------------------------------------------------------------------


class OccurrenceView(Contract):
    id: UUID
    unit_id: UUID
    agency_id: UUID | None
    engagement_id: UUID | None
    kind: OccurrenceKind
    rule_code: str
    title_zh: str
    title_en: str
    period_label: str
    due_date: date
    state: OccurrenceState
    statement_only: bool = Field(
        description="Inside a stoppage: the stoppage statement is all the report needs."
    )
    lead_days: list[int]
    evidence_item_id: UUID | None
    note: str | None
    waived_reason: str | None
    closed_at: datetime | None
    closed_by: str | None
    result_value: Decimal | None
    result_limit: Decimal | None
    result_unit: str | None
    exceeded: bool | None


class CompleteOccurrenceRequest(Contract):
    occurrence_id: UUID
    evidence_item_id: UUID | None = Field(default=None, description="An archive item.")
    note: str | None = Field(default=None, max_length=2000)
    scope: Scope


class WaiveOccurrenceRequest(Contract):
    occurrence_id: UUID
    reason: str = Field(min_length=1, max_length=2000)
    scope: Scope


class RecordMonitoringResultRequest(Contract):
    """The result of one monitoring occurrence; records it done with the report."""

    occurrence_id: UUID
    value: Decimal
    limit_value: Decimal | None = Field(default=None, description="Default: the plan's limit.")
    unit: str | None = Field(default=None, max_length=20)
    report_item_id: UUID | None = Field(default=None, description="The report's archive item.")
    scope: Scope


class CalendarRequest(Contract):
    """Occurrences in the scope, by due date then id; `after_*` is the keyset cursor."""

    scope: Scope
    unit_id: UUID | None = None
    engagement_id: UUID | None = None
    agency_id: UUID | None = None
    from_date: date | None = None
    to_date: date | None = None
    states: list[OccurrenceState] = Field(default_factory=list)
    kinds: list[OccurrenceKind] = Field(default_factory=list)
    after_due: date | None = None
    after_id: UUID | None = None
    limit: int = Field(default=50, ge=1, le=500)


class CalendarPage(Contract):
    items: list[OccurrenceView]
    has_next: bool
    total: int
    today: date


class WorkItemView(Contract):
    id: UUID
    kind: WorkKind
    title: str
    unit_id: UUID
    engagement_id: UUID | None
    due_date: date | None
    state: OccurrenceState
    occurrence: OccurrenceView | None


class MyWorkRequest(Contract):
    """What waits for the caller: obligations in scope, and the engagement steps whose
    `kinds` the caller's roles may act on (the gateway decides those from casbin)."""

    scope: Scope
    kinds: list[WorkKind]
    unit_id: UUID | None = None
    engagement_id: UUID | None = None
    states: list[OccurrenceState] = Field(default_factory=list)
    from_date: date | None = None
    to_date: date | None = None
    after_due: date | None = None
    after_id: UUID | None = None
    limit: int = Field(default=50, ge=1, le=500)


class WorkPage(Contract):
    items: list[WorkItemView]
    has_next: bool
    total: int


# --- the calendar feed (iCalendar) ---------------------------------------------------------


class IssueFeedRequest(Contract):
    """A feed for the caller: what they may see, kept with the secret's hash."""

    person: str = Field(min_length=1, max_length=100)
    tenant: str = Field(min_length=1, max_length=100)
    roles: list[str]
    clearance: int = Field(default=0, ge=0, le=3)
    scope: Scope


class FeedIssued(Contract):
    id: UUID
    token: str = Field(description="Shown once; only its hash is kept.")
    issued_at: datetime


class RevokeFeedRequest(Contract):
    feed_id: UUID | None = Field(default=None, description="Default: all of the person's.")
    person: str
    tenant: str


class FeedsRevoked(Contract):
    revoked: int


class FeedOwnerRequest(Contract):
    token: str = Field(min_length=1, max_length=200)


class FeedOwner(Contract):
    """Who a live feed speaks for; `found` false for an unknown or revoked token."""

    found: bool
    person: str = ""
    tenant: str = ""
    roles: list[str] = Field(default_factory=list)
    clearance: int = 0


SERVICE = "compliance"
REGISTER_PERMIT = Rpc(SERVICE, "register_permit", RegisterPermitRequest, PermitView)
UPDATE_REPORT_SCHEDULE = Rpc(
    SERVICE, "update_report_schedule", UpdateReportScheduleRequest, PermitView
)
PERMITS = Rpc(SERVICE, "permits", PermitsRequest, PermitsReply)
ADD_MONITORING_PLAN = Rpc(
    SERVICE, "add_monitoring_plan", AddMonitoringPlanRequest, MonitoringPlanView
)
RECORD_MONITORING_RESULT = Rpc(
    SERVICE, "record_monitoring_result", RecordMonitoringResultRequest, OccurrenceView
)
RECORD_STOPPAGE = Rpc(SERVICE, "record_stoppage", RecordStoppageRequest, StoppageView)
DEFINE_AGENCY_RULE = Rpc(SERVICE, "define_agency_rule", DefineAgencyRuleRequest, AgencyRuleView)
COMPLETE_OCCURRENCE = Rpc(SERVICE, "complete_occurrence", CompleteOccurrenceRequest, OccurrenceView)
WAIVE_OCCURRENCE = Rpc(SERVICE, "waive_occurrence", WaiveOccurrenceRequest, OccurrenceView)
CALENDAR = Rpc(SERVICE, "calendar", CalendarRequest, CalendarPage)
MY_WORK = Rpc(SERVICE, "my_work", MyWorkRequest, WorkPage)
ISSUE_FEED = Rpc(SERVICE, "issue_feed", IssueFeedRequest, FeedIssued)
REVOKE_FEED = Rpc(SERVICE, "revoke_feed", RevokeFeedRequest, FeedsRevoked)
FEED_OWNER = Rpc(SERVICE, "feed_owner", FeedOwnerRequest, FeedOwner)

COMPLIANCE_RPCS: tuple[Rpc[Any, Any], ...] = (
    REGISTER_PERMIT,
    UPDATE_REPORT_SCHEDULE,
    PERMITS,
    ADD_MONITORING_PLAN,
    RECORD_MONITORING_RESULT,
    RECORD_STOPPAGE,
    DEFINE_AGENCY_RULE,
    COMPLETE_OCCURRENCE,
    WAIVE_OCCURRENCE,
    CALENDAR,
    MY_WORK,
    ISSUE_FEED,
    REVOKE_FEED,
    FEED_OWNER,
)
