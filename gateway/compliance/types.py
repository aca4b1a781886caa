"""GraphQL types of the compliance calendar, filled from the service's views."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Self
from uuid import UUID

import strawberry
from strawberry import relay

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import (
    Frequency,
    ManagementCategory,
    OccurrenceKind,
    OccurrenceState,
    WorkKind,
)
from contracts.core import ValidationFailed
from gateway.context import Context
from gateway.i18n.language import Language
from gateway.ids import encode_global_id
from gateway.pagination import TOTAL_COUNT

strawberry.enum(ManagementCategory, description="排污许可分类: 重点管理, 简化管理, 登记管理.")
strawberry.enum(Frequency, description="How often an obligation recurs.")
strawberry.enum(OccurrenceKind, description="What an occurrence is an instance of.")
strawberry.enum(
    OccurrenceState, description="upcoming, due soon, overdue (by today in Asia/Shanghai), …"
)
strawberry.enum(WorkKind, description="What waits for you in myWork.")

CALENDAR_CURSOR = "due"


def encode_due_cursor(due: date | None, id_: UUID) -> str:
    """The keyset position (due date, id) as an opaque cursor."""
    return base64.b64encode(f"{CALENDAR_CURSOR}:{due or ''}:{id_}".encode()).decode()


def decode_due_cursor(value: str | None) -> tuple[date | None, UUID | None]:
    if value is None:
        return None, None
    try:
        kind, due, raw = base64.b64decode(value, validate=True).decode().split(":", 2)
        if kind == CALENDAR_CURSOR:
            return (date.fromisoformat(due) if due else None), UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationFailed("invalid cursor", field="after")


@strawberry.type(description="One execution report of a permit and its deadline rule.")
class ReportSchedule:
    frequency: Frequency
    deadline_months: int | None
    deadline_day: int | None
    deadline_days: int | None


@strawberry.type(description="排污许可证 of a unit (or 登记管理's registration receipt).")
class Permit:
    id: strawberry.ID
    unit_id: strawberry.ID
    number: str
    authority: str
    category: ManagementCategory
    valid_from: date
    valid_to: date
    outlets: list[str]
    report_schedule: list[ReportSchedule]
    ruleset_version: str

    @classmethod
    def from_view(cls, v: compliance_rpc.PermitView) -> Self:
        return cls(
            id=strawberry.ID(encode_global_id("Permit", v.id)),
            unit_id=strawberry.ID(encode_global_id("Unit", v.unit_id)),
            number=v.number,
            authority=v.authority,
            category=v.category,
            valid_from=v.valid_from,
            valid_to=v.valid_to,
            outlets=list(v.outlets),
            report_schedule=[
                ReportSchedule(
                    frequency=e.frequency,
                    deadline_months=e.deadline.months if e.deadline else None,
                    deadline_day=e.deadline.day if e.deadline else None,
                    deadline_days=e.deadline.days if e.deadline else None,
                )
                for e in v.report_schedule
            ],
            ruleset_version=v.ruleset_version,
        )


@strawberry.type(description="自行监测方案: one outlet and pollutant.")
class MonitoringPlan:
    id: strawberry.ID
    permit_id: strawberry.ID
    outlet: str
    pollutant: str
    frequency: Frequency
    method: str
    sampler: str
    limit_value: Decimal | None
    limit_unit: str

    @classmethod
    def from_view(cls, v: compliance_rpc.MonitoringPlanView) -> Self:
        return cls(
            id=strawberry.ID(encode_global_id("MonitoringPlan", v.id)),
            permit_id=strawberry.ID(encode_global_id("Permit", v.permit_id)),
            outlet=v.outlet,
            pollutant=v.pollutant,
            frequency=v.frequency,
            method=v.method,
            sampler=v.sampler,
            limit_value=v.limit_value,
            limit_unit=v.limit_unit,
        )


@strawberry.type(description="停产: a unit's production stopped.")
class Stoppage:
    id: strawberry.ID
    unit_id: strawberry.ID
    starts_on: date
    ends_on: date | None
    reason: str

    @classmethod
    def from_view(cls, v: compliance_rpc.StoppageView) -> Self:
        return cls(
            id=strawberry.ID(encode_global_id("Stoppage", v.id)),
            unit_id=strawberry.ID(encode_global_id("Unit", v.unit_id)),
            starts_on=v.starts_on,
            ends_on=v.ends_on,
            reason=v.reason,
        )


@strawberry.type(description="A recurring obligation your agency defined; changes are versions.")
class AgencyRule:
    id: strawberry.ID
    code: str
    version: int
    kind: OccurrenceKind
    title_zh: str
    title_en: str
    frequency: Frequency
    lead_days: list[int]

    @strawberry.field(
        description="The title in the caller's language (Accept-Language, zh-CN by "
        "default); titleZh and titleEn give both."
    )
    def title(self, info: strawberry.Info[Context, None]) -> str:
        return self.title_en if info.context.language is Language.EN else self.title_zh

    @classmethod
    def from_view(cls, v: compliance_rpc.AgencyRuleView) -> Self:
        return cls(
            id=strawberry.ID(encode_global_id("AgencyRule", v.id)),
            code=v.rule.code,
            version=v.version,
            kind=v.rule.kind,
            title_zh=v.rule.title_zh,
            title_en=v.rule.title_en,
            frequency=v.rule.frequency,
            lead_days=list(v.rule.lead_days),
        )


@strawberry.type(description="One dated obligation on the calendar.")
class Occurrence:
    id: strawberry.ID
    unit_id: strawberry.ID
    engagement_id: strawberry.ID | None
    kind: OccurrenceKind
    rule_code: str
    title_zh: str
    title_en: str
    period_label: str
    due_date: date
    state: OccurrenceState
    statement_only: bool = strawberry.field(
        description="Inside a stoppage: the stoppage statement is all the report needs."
    )
    lead_days: list[int] = strawberry.field(description="Reminder lead times, days before.")
    evidence_item_id: strawberry.ID | None
    note: str | None
    waived_reason: str | None
    closed_at: datetime | None
    closed_by: str | None
    result_value: Decimal | None
    result_limit: Decimal | None
    result_unit: str | None
    exceeded: bool | None

    @strawberry.field(
        description="The title in the caller's language (Accept-Language, zh-CN by "
        "default); titleZh and titleEn give both."
    )
    def title(self, info: strawberry.Info[Context, None]) -> str:
        return self.title_en if info.context.language is Language.EN else self.title_zh

    @classmethod
    def from_view(cls, v: compliance_rpc.OccurrenceView) -> Self:
        return cls(
            id=strawberry.ID(encode_global_id("Occurrence", v.id)),
            unit_id=strawberry.ID(encode_global_id("Unit", v.unit_id)),
            engagement_id=strawberry.ID(encode_global_id("Engagement", v.engagement_id))
            if v.engagement_id
            else None,
            kind=v.kind,
            rule_code=v.rule_code,
            title_zh=v.title_zh,
            title_en=v.title_en,
            period_label=v.period_label,
            due_date=v.due_date,
            state=v.state,
            statement_only=v.statement_only,
            lead_days=list(v.lead_days),
            evidence_item_id=strawberry.ID(encode_global_id("ArchiveItem", v.evidence_item_id))
            if v.evidence_item_id
            else None,
            note=v.note,
            waived_reason=v.waived_reason,
            closed_at=v.closed_at,
            closed_by=v.closed_by,
            result_value=v.result_value,
            result_limit=v.result_limit,
            result_unit=v.result_unit,
            exceeded=v.exceeded,
        )


@strawberry.type
class OccurrenceEdge:
    cursor: str
    node: Occurrence


@strawberry.type(description="A page of occurrences by due date (Relay-shaped; not Nodes).")
class OccurrenceConnection:
    edges: list[OccurrenceEdge]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(description="Something waiting for you: an obligation or an engagement step.")
class WorkItem:
    id: strawberry.ID
    kind: WorkKind
    title: str
    unit_id: strawberry.ID
    engagement_id: strawberry.ID | None
    due_date: date | None
    state: OccurrenceState
    occurrence: Occurrence | None

    @classmethod
    def from_view(cls, v: compliance_rpc.WorkItemView) -> Self:
        return cls(
            id=strawberry.ID(encode_global_id("WorkItem", v.id)),
            kind=v.kind,
            title=v.title,
            unit_id=strawberry.ID(encode_global_id("Unit", v.unit_id)),
            engagement_id=strawberry.ID(encode_global_id("Engagement", v.engagement_id))
            if v.engagement_id
            else None,
            due_date=v.due_date,
            state=v.state,
            occurrence=Occurrence.from_view(v.occurrence) if v.occurrence else None,
        )


@strawberry.type
class WorkItemEdge:
    cursor: str
    node: WorkItem


@strawberry.type(description="A page of my work (Relay-shaped; not Nodes).")
class WorkItemConnection:
    edges: list[WorkItemEdge]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description=TOTAL_COUNT)
