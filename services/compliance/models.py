"""The compliance calendar's tables: what it learns from events (units, engagements,
their pending steps), permits with their monitoring plans, stoppages, agency rules,
the generated occurrences, and calendar feeds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.db import UtcDateTime, service_metadata
from kit.messaging import messaging_tables
from kit.notify import add_notify_tables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = messaging_tables(Base.metadata)
# Reminders (kit.notify): the notify kit branch's tables, opted into in
# migrations/kit_branches.
add_notify_tables(Base.metadata)


class ExactDecimal(TypeDecorator[Decimal]):
    """A measured value kept exactly as its decimal text (SQLite has no decimal type)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class UnitEntry(Base):
    """A unit as `engagement.unit_registered.v1` described it: its region (regulators'
    scope) and the agency that registered it (the agency's scope)."""

    __tablename__ = "unit_directory"

    unit_id: Mapped[UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    source_event_id: Mapped[UUID] = mapped_column(unique=True)


class UnitAgency(Base):
    """An agency that serves the unit: the one that registered it, and every agency
    with an engagement of it, or a link to it (`engagement.unit_link_changed.v1`).
    An ended link (not active) keeps the agency's engagements' dates and hides the
    unit's own calendar from it; an active one shows it, whoever registered the permits.
    A provisional one (the agency works from its own file of a unit the registry already
    had, issue 14) shows the agency what it registered itself and nothing of others',
    under the name in its own file, until the unit shares its file."""

    __tablename__ = "unit_agency"

    unit_id: Mapped[UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    file_name: Mapped[str | None] = mapped_column(String(200))


class EngagementLink(Base):
    """An engagement as `engagement.created.v1` described it."""

    __tablename__ = "engagement_link"

    engagement_id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    # A client that is not one unit (园区, 集团, 区域; tenant `client:<id>`), if any.
    client_id: Mapped[UUID | None] = mapped_column(index=True, default=None)


class UnwaitedProposal(Base):
    """An agency's proposal, by USCC, that no unit of the registry had when it was made
    (issue 14): it waits for the unit that registers with that USCC, and enters its
    client admin's work then."""

    __tablename__ = "unwaited_proposal"

    request_id: Mapped[UUID] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    agency_id: Mapped[UUID] = mapped_column()
    expires_on: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EngagementCover(Base):
    """A unit a client's engagement covers (its own unit among them): whose calendar the
    client (`client:<id>`) sees."""

    __tablename__ = "engagement_cover"

    engagement_id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)


class Permit(Base):
    """排污许可证 (or a registration receipt, 登记管理) of a unit."""

    __tablename__ = "permit"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    number: Mapped[str] = mapped_column(String(60), unique=True)
    authority: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    outlets: Mapped[list[str]] = mapped_column(JSON)
    report_schedule: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    ruleset_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class MonitoringPlan(Base):
    """自行监测方案: one outlet and pollutant, how often, how, by whom, against what limit."""

    __tablename__ = "monitoring_plan"
    __table_args__ = (UniqueConstraint("permit_id", "outlet", "pollutant"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    permit_id: Mapped[UUID] = mapped_column(ForeignKey("permit.id"), index=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    outlet: Mapped[str] = mapped_column(String(8))
    pollutant: Mapped[str] = mapped_column(String(200))
    frequency: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(200))
    sampler: Mapped[str] = mapped_column(String(200))
    limit_value: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    limit_unit: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Stoppage(Base):
    """停产: a unit's production stopped from `starts_on` to `ends_on` (inclusive)."""

    __tablename__ = "stoppage"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AgencyRule(Base):
    """A rule an agency defined for the units it serves; a change is a new version."""

    __tablename__ = "agency_rule"
    __table_args__ = (UniqueConstraint("agency_id", "code", "version"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class Occurrence(Base):
    """One dated instance of an obligation. Generation inserts the missing ones and
    updates open ones; done, waived and suspended rows are never rewritten."""

    __tablename__ = "occurrence"
    __table_args__ = (
        UniqueConstraint("source_id", "rule_code", "period_label"),
        # The calendar's pages: by owner, open first, in due-date order.
        Index("ix_occurrence_agency_due", "agency_id", "status", "due_date", "id"),
        Index("ix_occurrence_unit_due", "unit_id", "due_date", "id"),
        Index("ix_occurrence_region_due", "region_code", "status", "due_date"),
        # The same for a region's LIKE 'prefix%' on PostgreSQL (pattern operator class,
        # unless the collation is C): the region statistics' overdue count.
        Index(
            "ix_occurrence_region_prefix",
            "region_code",
            "status",
            "due_date",
            postgresql_ops={"region_code": "varchar_pattern_ops"},
        ),
        Index("ix_occurrence_status_due", "status", "due_date"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column()
    agency_id: Mapped[UUID | None] = mapped_column()
    region_code: Mapped[str] = mapped_column(String(6))
    engagement_id: Mapped[UUID | None] = mapped_column(index=True)
    source_id: Mapped[UUID] = mapped_column()
    """The permit, monitoring plan, unit, list item or rectification it comes from."""
    kind: Mapped[str] = mapped_column(String(32))
    rule_code: Mapped[str] = mapped_column(String(60))
    ruleset_version: Mapped[str] = mapped_column(String(20))
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    period_label: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    statement_only: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_days: Mapped[list[int]] = mapped_column(JSON)
    evidence_item_id: Mapped[UUID | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    waived_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    result_value: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    result_limit: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    result_unit: Mapped[str | None] = mapped_column(String(20))
    exceeded: Mapped[bool | None] = mapped_column(Boolean)


class UnitHorizon(Base):
    """When a unit's occurrences were last generated, under which rule set, and when
    they are next due to be: the daily scan regenerates only the units whose day has
    come or whose rule set is not the running one."""

    __tablename__ = "unit_horizon"

    unit_id: Mapped[UUID] = mapped_column(primary_key=True)
    ruleset_version: Mapped[str] = mapped_column(String(20))
    generated_on: Mapped[date] = mapped_column(Date)
    next_on: Mapped[date] = mapped_column(Date, index=True)


class WorkItem(Base):
    """An engagement step waiting for someone (a plan for the client's decision, a stage
    report for review, …), opened and closed by the engagement, archive and evaluation
    services' events."""

    __tablename__ = "work_item"
    __table_args__ = (
        UniqueConstraint("kind", "source_id"),
        Index("ix_work_item_open", "is_open", "kind", "due_date", "id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[UUID] = mapped_column()
    engagement_id: Mapped[UUID | None] = mapped_column(index=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID | None] = mapped_column(index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date | None] = mapped_column(Date)
    is_open: Mapped[bool] = mapped_column(Boolean)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CalendarFeed(Base):
    """A person's secret iCalendar URL: only the token's hash is kept; who it speaks for
    (tenant, roles, clearance at issue) decides what it shows."""

    __tablename__ = "calendar_feed"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person: Mapped[str] = mapped_column(String(100), index=True)
    tenant: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[str]] = mapped_column(JSON)
    clearance: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NotificationContact(Base):
    """Where a person's reminders go, beside kit.notify's preferences (channels, lead
    times): their email address, personal webhook (a kit.notify endpoint of the tenant),
    quiet hours, and whether they follow every unit of their agency. The row with person
    `*` holds the agency's default quiet hours."""

    __tablename__ = "notification_contact"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    person: Mapped[str] = mapped_column(String(100), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    webhook_id: Mapped[UUID | None] = mapped_column()
    remind_all_units: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", Asia/Shanghai
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
