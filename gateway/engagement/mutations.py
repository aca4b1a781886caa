"""Mutations of the directory and engagements: one input, a union of success and errors."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from pydantic import ValidationError as PydanticValidationError
from strawberry.types import Info

from contracts.core import DomainError, ValidationFailed
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement.enums import ServiceMode
from gateway.context import Context, scope_of
from gateway.engagement.types import Engagement, Unit
from gateway.errors import (
    DuplicateUnit,
    InvalidUSCC,
    NotAuthorized,
    ServiceUnavailable,
    UnitNotFound,
    ValidationError,
    to_graphql,
)
from gateway.ids import decode_global_id
from kit.rpc import validation_error


@strawberry.input(description="A unit to add to your agency's directory.")
class CreateUnitInput:
    name: str
    uscc: str = strawberry.field(description="统一社会信用代码, 18 characters.")
    industry_code: str = strawberry.field(description="GB/T 4754 code, e.g. C2614.")
    address: str


@strawberry.type
class CreateUnitSuccess:
    unit: Unit


CreateUnitResult = Annotated[
    CreateUnitSuccess
    | InvalidUSCC
    | DuplicateUnit
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("CreateUnitResult"),
]


@strawberry.input(description="How the agency is paid under the agreement.")
class FeeTermsInput:
    amount: Decimal
    basis: str = strawberry.field(default="fixed", description="fixed, per_period or on_results.")
    schedule: str = ""


@strawberry.input(description="An engagement from a signed hosting agreement (R4.2.1).")
class CreateEngagementInput:
    unit_id: strawberry.ID
    service_modes: list[ServiceMode]
    period_start: date
    period_end: date
    agency_id: str | None = strawberry.field(
        default=None, description="Your agency's id; defaults to the token's tenant."
    )
    fee_terms: FeeTermsInput | None = None


@strawberry.type
class CreateEngagementSuccess:
    engagement: Engagement


CreateEngagementResult = Annotated[
    CreateEngagementSuccess | UnitNotFound | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("CreateEngagementResult"),
]


def _validation(exc: ValueError, field: str) -> ValidationFailed:
    return ValidationFailed(str(exc).splitlines()[-1], field=field)


@strawberry.type
class EngagementMutations:
    @strawberry.mutation(description="Register a pollutant-discharging unit (排污单位).")
    async def create_unit(
        self, info: Info[Context, None], input: CreateUnitInput
    ) -> CreateUnitResult:
        ctx = info.context
        try:
            if not ctx.authorizer.can("unit", "create"):
                raise ctx.denied()
            agency = ctx.acting_agency()
            try:
                req = engagement_rpc_directory.CreateUnitRequest(
                    name=input.name,
                    uscc=input.uscc,
                    industry_code=input.industry_code,
                    address=input.address,
                    agency_id=agency,
                )
            except ValueError as exc:
                raise _validation(exc, "input") from None
            view = await ctx.services.create_unit(req)
            return CreateUnitSuccess(unit=Unit.from_view(view))
        except DomainError as exc:
            return to_graphql(exc, ctx.request_id)  # type: ignore[return-value]

    @strawberry.mutation(description="Start an engagement for a unit from a signed agreement.")
    async def create_engagement(
        self, info: Info[Context, None], input: CreateEngagementInput
    ) -> CreateEngagementResult:
        ctx = info.context
        try:
            if not ctx.authorizer.can("engagement", "create"):
                raise ctx.denied()
            agency = ctx.acting_agency(input.agency_id)
            unit_id = decode_global_id(input.unit_id, "Unit", field="unitId")
            try:
                fees = (
                    rpc.FeeTerms(**dataclasses.asdict(input.fee_terms)) if input.fee_terms else None
                )
            except PydanticValidationError as exc:
                raise validation_error(exc) from None
            req = rpc.CreateEngagementRequest(
                unit_id=unit_id,
                agency_id=agency,
                service_modes=[m.value for m in input.service_modes],
                period_start=input.period_start,
                period_end=input.period_end,
                scope=scope_of(ctx.authorizer),
                fee_terms=fees,
            )
            view = await ctx.services.create_engagement(req)
            return CreateEngagementSuccess(engagement=Engagement.from_view(view))
        except DomainError as exc:
            return to_graphql(exc, ctx.request_id)  # type: ignore[return-value]
