"""Request/reply contracts of engagements (托管服务): create, read and list.

The gateway's engagement client sends `CREATE_ENGAGEMENT` with a request and gets an
`EngagementView` back (or a typed error); the engagement service registers a handler
for the same `Rpc`, so both sides agree by construction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from contracts.core import Contract, Page, Rpc, Scope

# Re-exported: the agreement's terms are part of these contracts.
from contracts.engagement.agreement import AssessmentMethod as AssessmentMethod
from contracts.engagement.agreement import FeeTerms as FeeTerms
from contracts.engagement.enums import EngagementStatus, ResultsBasis, ServiceMode, Stage


class GetManyRequest(Contract):
    ids: list[UUID] = Field(max_length=1000)
    scope: Scope


class CreateEngagementRequest(Contract):
    unit_id: UUID
    agency_id: UUID
    service_modes: list[ServiceMode] = Field(min_length=1)
    period_start: date
    period_end: date
    fee_terms: FeeTerms | None = None
    scope: Scope = Field(description="The unit must be within the caller's scope.")
    assessment: AssessmentMethod | None = Field(
        default=None, description="考核办法; none keeps the agency's own evaluators (as before)."
    )
    client_id: UUID | None = Field(
        default=None,
        description="委托方 that is not the unit (a park, group or region, CREATE_CLIENT); "
        "none: the unit itself, as before.",
    )
    covered_unit_ids: list[UUID] = Field(
        default_factory=list,
        max_length=500,
        description="Further units a client's engagement covers, beside `unit_id` (its lead "
        "unit); each must be linked to the agency.",
    )
    results_basis: ResultsBasis = Field(
        default=ResultsBasis.UNITS,
        description="environment_improvement: a regional engagement scored on the area's "
        "environment (C 三.1); only with a client of kind region.",
    )


class EngagementView(Contract):
    id: UUID
    unit_id: UUID
    agency_id: UUID
    service_modes: list[ServiceMode]
    period_start: date
    period_end: date
    stage: Stage
    region_code: str
    created_at: datetime
    fee_terms: FeeTerms | None = None
    status: EngagementStatus = EngagementStatus.ACTIVE
    status_reason: str | None = Field(
        default=None, description="Why it was suspended, terminated or cancelled."
    )
    status_on: date | None = Field(
        default=None, description="Suspended from, resumed on, terminated on, cancelled on."
    )
    terminated_by_agreement: bool | None = None
    assessment: AssessmentMethod | None = None
    handed_over_on: date | None = None
    results_accepted_on: date | None = Field(
        default=None, description="验收: the day the client accepted the results."
    )
    client_id: UUID | None = Field(
        default=None, description="委托方 other than the unit (park, group, region), if any."
    )
    results_basis: ResultsBasis | None = Field(
        default=None, description="None or units: the units' own results; or C 三.1's area."
    )


class EngagementsReply(Contract):
    items: list[EngagementView | None]


class ListEngagementsRequest(Contract):
    scope: Scope
    unit_id: UUID | None = None
    agency_id: UUID | None = None
    stage: Stage | None = None
    service_mode: ServiceMode | None = None
    overdue: bool | None = Field(
        default=None, description="Only engagements with (or without) an overdue list item."
    )
    search: str | None = Field(
        default=None,
        max_length=200,
        description="Part of the unit's name, or the start of its USCC.",
    )
    active_from: date | None = Field(
        default=None, description="Only engagements whose period ends on or after this day."
    )
    active_to: date | None = Field(
        default=None, description="Only engagements whose period starts on or before this day."
    )
    page: Page = Page()


class EngagementPage(Contract):
    items: list[EngagementView]
    has_next: bool
    total: int


CREATE_ENGAGEMENT = Rpc("engagement", "engagement.create", CreateEngagementRequest, EngagementView)
GET_ENGAGEMENTS = Rpc("engagement", "engagement.get_many", GetManyRequest, EngagementsReply)
LIST_ENGAGEMENTS = Rpc("engagement", "engagement.list", ListEngagementsRequest, EngagementPage)

ENGAGEMENT_RPCS: tuple[Rpc[Any, Any], ...] = (CREATE_ENGAGEMENT, GET_ENGAGEMENTS, LIST_ENGAGEMENTS)
