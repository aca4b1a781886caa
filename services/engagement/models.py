"""The engagement service's tables, for both its subdomains: they share one database
schema and one migration history. The directory: `Unit`, `Agency`, `Person`; the
workflow: `Engagement` and the rows of its steps."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.counters import counter_slot
from kit.db import UtcDateTime, service_metadata
from kit.messaging import messaging_tables
from kit.search import gram_table


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = messaging_tables(Base.metadata)


class UnitProfile:
    """What a unit's file holds: the registry's (`Unit`) and an agency's own file of a
    registry unit (`UnitFile`) hold the same, so an agency's file reads and edits as the
    registry's does."""

    name: Mapped[str] = mapped_column(String(200))
    industry_code: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    # 表 A.1 基本信息, filled in after registration.
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    industry_type: Mapped[str | None] = mapped_column(String(100))
    scale: Mapped[str | None] = mapped_column(String(10))
    business_term_start: Mapped[date | None] = mapped_column(Date)
    business_term_end: Mapped[date | None] = mapped_column(Date)
    outlets: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    # The name as search matches it (kit.search.normalize): the registry's through its
    # grams (unit_search_gram); an agency's files are few, a LIKE over them needs none.
    search_name: Mapped[str] = mapped_column(String(200), server_default="")
    # The profile's version: raised by each correction; older versions are in `revision`.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Unit(UnitProfile, Base):
    """排污单位: a pollutant-discharging unit, the client of an engagement."""

    __tablename__ = "unit"
    __table_args__ = (
        # A regulator's region is a LIKE 'prefix%' on region_code; PostgreSQL serves that
        # from a btree only with the pattern operator class (unless the database's
        # collation is C). On SQLite it is a plain index.
        Index(
            "ix_unit_region_prefix",
            "region_code",
            postgresql_ops={"region_code": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    agency_id: Mapped[UUID | None] = mapped_column(index=True)


unit_search_grams = gram_table("unit_search_gram", Base.metadata, "unit.id")


class Engagement(Base):
    """A hosting engagement between an agency (托管服务单位) and a unit, from the agreement on."""

    __tablename__ = "engagement"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    service_modes: Mapped[list[str]] = mapped_column(JSON)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    contracted_team_size: Mapped[int | None] = mapped_column(Integer)
    contract_signed_on: Mapped[date | None] = mapped_column(Date)
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    fee_terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deliverables: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    # Beside the stage: active, suspended, terminated (early) or cancelled, since when, why.
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_on: Mapped[date | None] = mapped_column(Date)
    terminated_by_agreement: Mapped[bool | None]
    # 考核办法 (contracts.engagement.agreement.AssessmentMethod); None: as before the
    # method was recorded (the agency's evaluators, evaluation opens at handover).
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # 验收 (R4.2.5): the client accepted the handed-over results on this day.
    results_accepted_on: Mapped[date | None] = mapped_column(Date)
    # 委托方 other than the unit (a park, group or region: `client`); None: the unit itself.
    client_id: Mapped[UUID | None] = mapped_column(index=True)
    # What the results (C 三) are measured on: None, the unit's own; "environment_improvement"
    # for a regional engagement scored on the area's environment (C 三.1).
    results_basis: Mapped[str | None] = mapped_column(String(32))


class CatalogueItem(Base):
    """托管服务内容 (clause 6): one catalogue entry of one published version."""

    __tablename__ = "catalogue_item"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)


class ListItem(Base):
    """托管服务清单 item (R4.2.2.1): what is owed, by when, with which target."""

    __tablename__ = "list_item"
    __table_args__ = (
        # The lists' `overdue` filter: "an open item of this engagement due before today"
        # answered from the index alone, however many items there are (0019).
        Index(
            "ix_list_item_open_due",
            "engagement_id",
            "due_date",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), index=True)
    catalogue_code: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(Text)
    expected_effect: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    contracted_quantity: Mapped[int | None] = mapped_column(Integer)
    quantity_unit: Mapped[str | None] = mapped_column(String(50))
    due_date: Mapped[date | None] = mapped_column(Date)
    customised: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))
    waived_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    overdue_notified_on: Mapped[date | None] = mapped_column(Date)
    # Corrections raise the version (older versions are in `revision`); a voided row is
    # kept, hidden from lists and no longer counted.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TeamMemberRow(Base):
    """A member of the service team (R4.2.2.2)."""

    __tablename__ = "team_member"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), index=True)
    person_id: Mapped[UUID]
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(100))
    qualification: Mapped[str | None] = mapped_column(String(200))
    # Corrections raise the version (older versions are in `revision`); a voided row is
    # kept, hidden from lists and no longer counted.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PlanVersion(Base):
    """实施方案, one version (R4.2.2.3–4). Submitted versions are never edited."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("engagement_id", "version"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    objection_reasons: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))


class ChecklistEntry(Base):
    """表 A.1 document for one engagement: pending, received or not applicable."""

    __tablename__ = "checklist_entry"

    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    section: Mapped[str] = mapped_column(String(20))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    # The archive item's id as text once checked; before that (legacy rows), free text.
    document_ref: Mapped[str | None] = mapped_column(String(200))
    document_item_id: Mapped[UUID | None] = mapped_column()


class ServiceRecord(Base):
    """One recorded activity of the service: site survey, expert consultation,
    inspection, training, emergency, complaint, penalty or satisfaction survey.

    The details are the typed payload of the action that recorded it (validated by
    its contract), kept as JSON: records are immutable facts, read as a whole.
    """

    __tablename__ = "service_record"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    list_item_id: Mapped[UUID | None] = mapped_column(ForeignKey("list_item.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Corrections raise the version (older versions are in `revision`); a voided row is
    # kept, hidden from lists and no longer counted.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MeetingExpert(Base):
    """An expert invited to a meeting (专家咨询会 or 技术研讨会): the index behind an
    expert's `myMeetings`. Written with the service record that names the expert, in
    its transaction, so it never lags the record. The key starts with the expert, so
    the lookup is one index range, never a scan of the records' details."""

    __tablename__ = "meeting_expert"

    expert_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), primary_key=True)
    record_id: Mapped[UUID] = mapped_column(ForeignKey("service_record.id"), primary_key=True)


class StageReport(Base):
    """阶段性工作报告 (R4.2.3.2), one version of one report. A report objected by the
    client is resubmitted as its next version; versions are never edited."""

    __tablename__ = "stage_report"
    __table_args__ = (UniqueConstraint("engagement_id", "report_no", "version"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), index=True)
    report_no: Mapped[int]
    version: Mapped[int]
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    problems: Mapped[str] = mapped_column(Text)
    solutions: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    feedback: Mapped[str | None] = mapped_column(Text)
    seminar_conclusion: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))


class Rectification(Base):
    """整改 item: a problem found by an inspection, its plan, owner and due date, through
    to verification and closure."""

    __tablename__ = "rectification"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), index=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    inspection_record_id: Mapped[UUID | None] = mapped_column(ForeignKey("service_record.id"))
    problem_key: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    plan: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    raised_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    overdue_notified_on: Mapped[date | None] = mapped_column(Date)


class Agency(Base):
    """托管服务单位: the hosting-service agency's own profile."""

    __tablename__ = "agency"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    qualifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Person(Base):
    """Someone of an agency: staff with roles and qualifications; experts form its pool."""

    __tablename__ = "person"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(100))
    qualifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    expert: Mapped[bool]
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)


class SurveyLink(Base):
    """满意度调查链接 (R4.2.3.1): a link the agency issued for one engagement, answered by
    the unit's people themselves. Only the token's SHA-256 is kept, so the token cannot
    be read back; `answer_count` is raised in the statement that checks it against
    `max_answers`, so concurrent answers cannot pass the limit."""

    __tablename__ = "survey_link"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    questions: Mapped[list[str]] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    max_answers: Mapped[int] = mapped_column(Integer)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SurveyResponse(Base):
    """One respondent's answer through a link: who (their normalised name and phone,
    hashed), and the satisfaction survey record it became. One per respondent per link."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("link_id", "respondent_hash"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    link_id: Mapped[UUID] = mapped_column(ForeignKey("survey_link.id"))
    respondent_hash: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[UUID] = mapped_column(ForeignKey("service_record.id"))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RecordEvidence(Base):
    """An archive item linked to a record (a service record or a rectification item) as
    its evidence. The archive checked the item when it was linked (filed, of this
    engagement, visible to who linked it); readers see it only while the archive still
    lets them. One row per record and item: linking twice changes nothing."""

    __tablename__ = "record_evidence"

    record_id: Mapped[UUID] = mapped_column(primary_key=True)
    item_id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    linked_by: Mapped[str] = mapped_column(String(100))
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Revision(Base):
    """One version of a correctable subject (a service record, list item, team member or
    unit profile): its content as it stood, how it came to be (created, corrected,
    voided), by whom, when and why. Written when a subject is first corrected or voided
    (its original as version 1), then one row per change; rows are never updated."""

    __tablename__ = "revision"
    __table_args__ = (UniqueConstraint("subject", "subject_id", "version"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[UUID] = mapped_column(index=True)
    engagement_id: Mapped[UUID | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    # Unknown (null) for an original whose row did not record its author or time.
    changed_by: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UnitContact(Base):
    """A unit's contact person (联系人), as brought by a bulk import: who the agency calls."""

    __tablename__ = "unit_contact"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    # Set: a contact of an agency's own file of the unit (UnitFile), not the registry's.
    file_id: Mapped[UUID | None] = mapped_column(ForeignKey("unit_file.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))


class RegisteredPermit(Base):
    """A permit (排污许可证) the compliance service registered, as its PermitRegisteredV1
    told us: the import refuses a permit number held by another unit before handing it
    over, and counts one its unit holds already as unchanged. The compliance service
    stays the judge (it checks again when it registers)."""

    __tablename__ = "registered_permit"

    number: Mapped[str] = mapped_column(String(60), primary_key=True)
    permit_id: Mapped[UUID] = mapped_column()
    unit_id: Mapped[UUID] = mapped_column(index=True)


class UnitLink(Base):
    """An agency's link to a unit of the registry (issue 14 part 2): what lets it see the
    unit's file, edit it and open engagements for it. Active while the relationship lasts;
    ended, the agency keeps reading its own engagements and nothing newer of the unit."""

    __tablename__ = "unit_link"

    unit_id: Mapped[UUID] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    agency_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(16))
    # registered (the agency entered the unit), proposal, invitation, migration (0019)
    via: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(100))


class UnitFile(UnitProfile, Base):
    """An agency's own file of a registry unit it serves by a provisional link (issue 14):
    entered with createUnit (or the bulk import) for a USCC the registry already had.
    While the unit has not consented (`shared_at` null) the agency reads and edits this
    file, never the registry's; on consent it reads the registry's file and this one stays
    as the link's history."""

    __tablename__ = "unit_file"
    __table_args__ = (UniqueConstraint("unit_id", "agency_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    # When the unit consented and the agency began reading the registry's file instead.
    shared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UnitLinkRequest(Base):
    """A proposal (an agency to a unit, by USCC) or an invitation (a unit to an agency)
    waiting for the other side. A proposal names only the USCC: whether a unit has it is
    never told the agency; a unit registering that USCC later finds the proposal waiting."""

    __tablename__ = "unit_link_request"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(16))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    unit_id: Mapped[UUID | None] = mapped_column(index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    # Filed by createUnit or the import beside a provisional link (issue 14): the agency
    # is never shown it (its list would tell a registered USCC from a new one); the unit
    # answers it as any proposal.
    silent: Mapped[bool] = mapped_column(default=False, server_default=text("false"))


class Client(Base):
    """委托方 that is not one unit: an industrial park (园区), a group company (集团) or a
    region (区域/流域). Its engagements cover several units (`engagement_unit`); a regional
    one is scored on the environment's improvement (C 三.1)."""

    __tablename__ = "client"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class EngagementUnit(Base):
    """A unit a client's (park, group, region) engagement covers, its lead unit
    (`engagement.unit_id`) included. A single-unit engagement has no rows here."""

    __tablename__ = "engagement_unit"

    engagement_id: Mapped[UUID] = mapped_column(ForeignKey("engagement.id"), primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(ForeignKey("unit.id"), primary_key=True, index=True)


class EngagementTally(Base):
    """How many engagements a region has per period, by stage (figure 'stage') and by
    service mode (figure 'mode', an engagement counting once per mode it lists): what
    regionStatistics sums for a regulator, so its cost is regions × periods × values,
    not engagements. Kept in the transaction that opens an engagement or moves its stage
    (statistics/commands.py); rebuilt from the engagements by migration 0021. An
    engagement's unit, period and modes never change, nor does a unit's region code."""

    __tablename__ = "engagement_tally"
    __table_args__ = (
        Index(
            "ix_engagement_tally_region_prefix",
            "region_code",
            postgresql_ops={"region_code": "varchar_pattern_ops"},
        ),
    )

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    period_end: Mapped[date] = mapped_column(Date, primary_key=True)
    figure: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    slot: Mapped[int] = counter_slot()
    n: Mapped[int] = mapped_column(Integer)


class OpenItemTally(Base):
    """How many open, not voided list items a region has per due date: the overdue
    time nodes of regionStatistics are the sum over due dates before today (what is
    overdue depends on the day, so it is a range over dates, not a counter), at a cost
    of regions × days, not items. Kept in the transaction that adds, approves,
    finishes, corrects or voids an item (statistics/commands.py); migration 0022."""

    __tablename__ = "open_item_tally"
    __table_args__ = (
        Index(
            "ix_open_item_tally_region_prefix",
            "region_code",
            postgresql_ops={"region_code": "varchar_pattern_ops"},
        ),
    )

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    due_date: Mapped[date] = mapped_column(Date, primary_key=True)
    slot: Mapped[int] = counter_slot()
    n: Mapped[int] = mapped_column(Integer)
