"""The evaluation service's tables: what it learns from events (units, engagements,
evidence), templates, and scorecards with their scores, deductions and findings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Date,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.counters import counter_slot
from kit.db import UtcDateTime, service_metadata
from kit.messaging import messaging_tables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = messaging_tables(Base.metadata)


class Points(TypeDecorator[Decimal]):
    """Points stored exactly as an integer count of hundredths.

    SQLite has no decimal type (Numeric would round-trip through float); an
    integer of 0.01 points is exact on both backends and sorts correctly.
    """

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        hundredths = value * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"{value} has more than two decimal places")
        return int(hundredths)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-2)


class UnitDirectoryEntry(Base):
    """A unit as `engagement.unit_registered.v1` described it: for region scoping
    (regulators) and for naming the unit in public disclosures."""

    __tablename__ = "unit_directory"

    unit_id: Mapped[UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    source_event_id: Mapped[UUID] = mapped_column(unique=True)


class UnitFileName(Base):
    """The name in an agency's own file of a unit the registry already had (a
    provisional link, issue 14): what that agency's scorecard exports call the unit
    until the unit shares its file (then the row goes)."""

    __tablename__ = "unit_file_name"

    unit_id: Mapped[UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class EngagementRegistration(Base):
    """An engagement known to the evaluation service, from `engagement.created.v1`.

    Scorecards hang off it; keeping our own copy means the evaluation service
    never calls the engagement service to score.
    """

    __tablename__ = "engagement_registration"

    engagement_id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    source_event_id: Mapped[UUID] = mapped_column(unique=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    region_code: Mapped[str | None] = mapped_column(String(6))
    # The agreement's 考核办法 and fee terms (contracts.engagement.agreement), as the
    # creation event carried them; None: recorded before there were any.
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fee_terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The client that is not one unit (园区, 集团, 区域; tenant `client:<id>`) the
    # engagement is for: its people see and score its cards as a unit client does its own.
    client_id: Mapped[UUID | None] = mapped_column(index=True)


class EvaluatorAppointment(Base):
    """An appointed third-party evaluator (tenant `evaluator:<id>`) of one engagement:
    what scopes its principals to that engagement's evaluation material."""

    __tablename__ = "evaluator_appointment"

    engagement_id: Mapped[UUID] = mapped_column(primary_key=True)
    evaluator_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)


class Evidence(Base):
    """A workflow event kept as evidence for suggested scores (one row per event)."""

    __tablename__ = "evidence"

    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the event is about (the record, list item, or for the team the engagement):
    # a correction or void of it retires its evidence, naming the event that did.
    subject_id: Mapped[UUID | None] = mapped_column(index=True)
    retired_by: Mapped[UUID | None]


class EvaluationTemplate(Base):
    """考核表: table C.1 or a validated variant; immutable once stored.

    A variant belongs to the agency that defined it (`agency_id`); the tables
    published with the standard have none and are shared by every agency."""

    __tablename__ = "evaluation_template"
    __table_args__ = (
        UniqueConstraint("agency_id", "code", "version"),
        # NULLs are distinct in a unique constraint: the standard's own tables
        # (no agency) need an index of their own to stay unique.
        Index(
            "uq_evaluation_template_standard",
            "code",
            "version",
            unique=True,
            postgresql_where=text("agency_id IS NULL"),
            sqlite_where=text("agency_id IS NULL"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[UUID | None] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class Scorecard(Base):
    """评价表: one version of the evaluation of an engagement for a period.

    An amendment is a new row (same series, version + 1) with its reason; a
    finalised row is never changed again.
    """

    __tablename__ = "scorecard"
    __table_args__ = (
        UniqueConstraint("series_id", "version"),
        # A regulator's region is a LIKE 'prefix%' (grade distribution, region
        # statistics): PostgreSQL serves it from a btree only with the pattern operator
        # class, unless the database's collation is C. On SQLite a plain index.
        Index(
            "ix_scorecard_region_prefix",
            "region_code",
            postgresql_ops={"region_code": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    series_id: Mapped[UUID] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer)
    previous_id: Mapped[UUID | None] = mapped_column(ForeignKey("scorecard.id"))
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    engagement_id: Mapped[UUID] = mapped_column(index=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    template_id: Mapped[UUID] = mapped_column(ForeignKey("evaluation_template.id"))
    period_label: Mapped[str] = mapped_column(String(40), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_event_id: Mapped[UUID | None] = mapped_column(unique=True)
    finalized_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finalized_by: Mapped[str | None] = mapped_column(String(100))
    total: Mapped[Decimal | None] = mapped_column(Points)
    grade: Mapped[str | None] = mapped_column(String(16), index=True)
    # binding (scored by the parties the contract names) or self (the agency's own
    # self-assessment, shown beside the binding card and never mixed into it).
    kind: Mapped[str] = mapped_column(String(16), server_default="binding")
    # {party: weight} of the contract's assessment method; None: every evaluator's
    # points are averaged as before (engagements without an assessment method).
    weights: Mapped[dict[str, str] | None] = mapped_column(JSON)
    appeal_days: Mapped[int | None] = mapped_column(Integer)
    # Pay by results (R3.1-pay), computed when finalised: percent of the fee and CNY.
    settlement_percent: Mapped[Decimal | None] = mapped_column(Points)
    settlement_amount: Mapped[str | None] = mapped_column(String(32))


class ItemScore(Base):
    """One evaluator's points for one item, with why, and the suggestion beside it."""

    __tablename__ = "item_score"
    __table_args__ = (UniqueConstraint("scorecard_id", "item_code", "evaluator"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    scorecard_id: Mapped[UUID] = mapped_column(ForeignKey("scorecard.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(16))
    evaluator: Mapped[str] = mapped_column(String(100))
    points: Mapped[Decimal] = mapped_column(Points)
    justification: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    suggested_points: Mapped[Decimal | None] = mapped_column(Points)
    override_reason: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The evaluating party the evaluator scored for (client, third_party, regulator,
    # agency); None on scores from before parties were recorded.
    party: Mapped[str | None] = mapped_column(String(16))


class Deduction(Base):
    """附加考核: one occurrence of a deduction item, with its evidence."""

    __tablename__ = "deduction"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    scorecard_id: Mapped[UUID] = mapped_column(ForeignKey("scorecard.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(16))
    points: Mapped[Decimal] = mapped_column(Points)
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Falsification(Base):
    """弄虚作假 (R7.2): the decision, which is also the public disclosure record."""

    __tablename__ = "falsification"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    scorecard_id: Mapped[UUID] = mapped_column(ForeignKey("scorecard.id"), unique=True)
    party: Mapped[str] = mapped_column(String(300))
    finding: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_as: Mapped[str | None] = mapped_column(String(64))
    """The decider's role: what the public disclosure names instead of the person."""
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Appeal(Base):
    """异议: the agency objects to a finalised binding card within the contract's period;
    an evaluating party answers, amending the card (a new version) or keeping it."""

    __tablename__ = "appeal"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    scorecard_id: Mapped[UUID] = mapped_column(ForeignKey("scorecard.id"), index=True)
    reasons: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(100))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decision: Mapped[str | None] = mapped_column(String(16))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    amended_scorecard_id: Mapped[UUID | None] = mapped_column()


class GradeTally(Base):
    """How many valid results (the last decided version of each binding card, falsified
    ones as 不合格) a region has per period and effective grade: what gradeDistribution
    and regionStatistics sum for a regulator, so their cost is regions × periods, not
    cards. Kept in the transaction that decides a card (statistics/commands.py); rebuilt
    from the cards by migration 0010. `region_code` '' while the unit's region is unknown."""

    __tablename__ = "grade_tally"
    __table_args__ = (
        Index(
            "ix_grade_tally_region_prefix",
            "region_code",
            postgresql_ops={"region_code": "varchar_pattern_ops"},
        ),
    )

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    period_label: Mapped[str] = mapped_column(String(40), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    period_end: Mapped[date] = mapped_column(Date, primary_key=True)
    grade: Mapped[str] = mapped_column(String(16), primary_key=True)
    slot: Mapped[int] = counter_slot()
    n: Mapped[int] = mapped_column(Integer)
