"""Request/reply contracts: one `Rpc` per endpoint binds its subject to its types.

The gateway calls `client.call(CREATE_UNIT, request, context)` and gets a
`UnitView` back (or a typed error); the engagement service registers a handler
for the same `Rpc`, so both sides agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import Field

from contracts.base import Contract

Req = TypeVar("Req", bound=Contract)
Resp = TypeVar("Resp", bound=Contract)


@dataclass(frozen=True)
class Rpc(Generic[Req, Resp]):
    service: str
    name: str
    request: type[Req]
    response: type[Resp]

    @property
    def subject(self) -> str:
        return f"ecohost.rpc.{self.service}.{self.name}"


class Scope(Contract):
    """Which objects the caller may see, computed by the gateway's authorizer.

    Services filter lists in SQL with it, so a denied row never leaves the DB.
    Exactly one of the fields is set for a scoped caller.
    """

    agency_id: UUID | None = None
    unit_id: UUID | None = None
    region_prefix: str | None = None


class Page(Contract):
    after: UUID | None = Field(default=None, description="Return rows with id > after.")
    limit: int = Field(default=20, ge=1, le=500)


# --- directory -------------------------------------------------------------------


class CreateUnitRequest(Contract):
    name: str = Field(min_length=1, max_length=200)
    uscc: str = Field(description="统一社会信用代码, 18 characters, GB 32100 check character.")
    industry_code: str = Field(description="GB/T 4754 industry code, e.g. `C2614`.")
    address: str = Field(min_length=1, max_length=500)
    agency_id: UUID | None = Field(
        default=None, description="Agency entering the unit in its directory, if any."
    )


class UnitView(Contract):
    id: UUID
    name: str
    uscc: str
    industry_code: str
    address: str
    region_code: str
    agency_id: UUID | None
    created_at: datetime


class GetManyRequest(Contract):
    ids: list[UUID] = Field(max_length=1000)
    scope: Scope


class UnitsByUsccRequest(Contract):
    """Units by 统一社会信用代码 (a federated platform's join key)."""

    usccs: list[str] = Field(max_length=1000)
    scope: Scope


class UnitsReply(Contract):
    """Units in the order of the requested ids; None where missing or out of scope."""

    items: list[UnitView | None]


class ListUnitsRequest(Contract):
    scope: Scope
    page: Page = Page()


class UnitPage(Contract):
    items: list[UnitView]
    has_next: bool
    total: int


# --- engagements -------------------------------------------------------------------


class FeeTerms(Contract):
    """How the agency is paid under the agreement (paid on results in this model)."""

    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: Literal["CNY"] = "CNY"
    basis: Literal["fixed", "per_period", "on_results"] = "fixed"
    schedule: str = Field(default="", max_length=2000, description="Payment schedule.")


class CreateEngagementRequest(Contract):
    unit_id: UUID
    agency_id: UUID
    service_modes: list[str] = Field(min_length=1)
    period_start: date
    period_end: date
    fee_terms: FeeTerms | None = None
    scope: Scope = Field(description="The unit must be within the caller's scope.")


class EngagementView(Contract):
    id: UUID
    unit_id: UUID
    agency_id: UUID
    service_modes: list[str]
    period_start: date
    period_end: date
    status: str
    region_code: str
    created_at: datetime
    fee_terms: FeeTerms | None = None


class EngagementsReply(Contract):
    items: list[EngagementView | None]


class ListEngagementsRequest(Contract):
    scope: Scope
    unit_id: UUID | None = None
    agency_id: UUID | None = None
    stage: str | None = None
    service_mode: str | None = None
    overdue: bool | None = Field(
        default=None, description="Only engagements with (or without) an overdue list item."
    )
    page: Page = Page()


class EngagementPage(Contract):
    items: list[EngagementView]
    has_next: bool
    total: int


# --- archive: trace ledger -----------------------------------------------------------


class TraceEntryView(Contract):
    engagement_id: UUID
    seq: int = Field(description="Position in the engagement's chain, from 1.")
    event_id: UUID
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    tenant: str
    payload_sha256: str
    prev_hash: str
    entry_hash: str = Field(description="SHA-256 over prev_hash and the canonical entry.")


class TraceRequest(Contract):
    engagement_ids: list[UUID] = Field(max_length=1000)


class TraceReply(Contract):
    """Per requested engagement id, in request order, its entries in chain order."""

    traces: list[list[TraceEntryView]]


class VerifyTraceRequest(Contract):
    engagement_id: UUID


class VerifyTraceReply(Contract):
    engagement_id: UUID
    entries: int
    valid: bool
    first_bad_seq: int | None = None
    head_hash: str


# --- evaluation: engagements known to the evaluation service ---------------------------


class EvaluationRegistrationView(Contract):
    engagement_id: UUID
    unit_id: UUID
    agency_id: UUID
    registered_at: datetime


class RegistrationsRequest(Contract):
    engagement_ids: list[UUID] = Field(max_length=1000)


class RegistrationsReply(Contract):
    items: list[EvaluationRegistrationView | None]


CREATE_UNIT = Rpc("engagement", "unit.create", CreateUnitRequest, UnitView)
GET_UNITS = Rpc("engagement", "unit.get_many", GetManyRequest, UnitsReply)
GET_UNITS_BY_USCC = Rpc("engagement", "unit.get_by_uscc", UnitsByUsccRequest, UnitsReply)
LIST_UNITS = Rpc("engagement", "unit.list", ListUnitsRequest, UnitPage)
CREATE_ENGAGEMENT = Rpc("engagement", "engagement.create", CreateEngagementRequest, EngagementView)
GET_ENGAGEMENTS = Rpc("engagement", "engagement.get_many", GetManyRequest, EngagementsReply)
LIST_ENGAGEMENTS = Rpc("engagement", "engagement.list", ListEngagementsRequest, EngagementPage)
GET_TRACES = Rpc("archive", "trace.for_engagements", TraceRequest, TraceReply)
VERIFY_TRACE = Rpc("archive", "trace.verify", VerifyTraceRequest, VerifyTraceReply)
GET_REGISTRATIONS = Rpc(
    "evaluation", "registration.get_many", RegistrationsRequest, RegistrationsReply
)

ALL_RPCS: tuple[Rpc[Any, Any], ...] = (
    CREATE_UNIT,
    GET_UNITS,
    GET_UNITS_BY_USCC,
    LIST_UNITS,
    CREATE_ENGAGEMENT,
    GET_ENGAGEMENTS,
    LIST_ENGAGEMENTS,
    GET_TRACES,
    VERIFY_TRACE,
    GET_REGISTRATIONS,
)
