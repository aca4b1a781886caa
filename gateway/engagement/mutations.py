"""Mutations of the directory and engagements: one input, a union of success and errors."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from contracts.engagement import rpc, rpc_registry
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement.enums import ResultsBasis, ServiceMode
from gateway.context import Context, scope_of
from gateway.engagement.agreement_types import (
    AssessmentMethodInput,
    PayByResultsInput,
    as_fields,
)
from gateway.engagement.errors import ClientNotFound, DuplicateUnit, InvalidUSCC, UnitNotFound
from gateway.engagement.types import Engagement, Unit
from gateway.errors import NotAuthorized, ServiceUnavailable, ValidationError
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation


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
CREATE_UNIT: ResultUnion[CreateUnitResult] = ResultUnion(CreateUnitResult)


@strawberry.input(description="How the agency is paid under the agreement.")
class FeeTermsInput:
    amount: Decimal
    basis: str = strawberry.field(default="fixed", description="fixed, per_period or on_results.")
    schedule: str = ""
    pay_by_results: PayByResultsInput | None = None


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
    assessment: AssessmentMethodInput | None = strawberry.field(
        default=None,
        description="考核办法 (R4.2.5): who evaluates. Without it the agency's own "
        "evaluators score and evaluation opens at the handover, as before.",
    )
    client_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="委托方 that is not the unit (createClient: a park, group or region); "
        "leave out for a single-unit engagement.",
    )
    covered_unit_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="With a client: the further units it covers, beside `unitId` (the lead).",
    )
    results_basis: ResultsBasis = strawberry.field(
        default=ResultsBasis.UNITS,
        description="ENVIRONMENT_IMPROVEMENT: a region's engagement scored on the area's "
        "environment (C 三.1).",
    )


@strawberry.type
class CreateEngagementSuccess:
    engagement: Engagement


CreateEngagementResult = Annotated[
    CreateEngagementSuccess
    | UnitNotFound
    | ClientNotFound
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("CreateEngagementResult"),
]
CREATE_ENGAGEMENT: ResultUnion[CreateEngagementResult] = ResultUnion(CreateEngagementResult)


def _created(reply: rpc_registry.CreateUnitReply) -> CreateUnitSuccess:
    # A USCC new or not: a unit either way (for one the registry had, the agency's own
    # file of it until the unit consents; issue 14).
    assert reply.unit is not None
    return CreateUnitSuccess(unit=Unit.from_view(reply.unit))


@strawberry.type
class EngagementMutations:
    @strawberry.mutation(description="Register a pollutant-discharging unit (排污单位).")
    async def create_unit(
        self, info: Info[Context, None], input: CreateUnitInput
    ) -> CreateUnitResult:
        ctx = info.context
        return await run_mutation(
            info,
            CREATE_UNIT,
            ("unit", "create"),
            request=lambda: engagement_rpc_directory.CreateUnitRequest(
                agency_id=ctx.acting_agency(), **dataclasses.asdict(input)
            ),
            send=ctx.clients.engagement.create_unit,
            success=_created,
        )

    @strawberry.mutation(description="Start an engagement for a unit from a signed agreement.")
    async def create_engagement(
        self, info: Info[Context, None], input: CreateEngagementInput
    ) -> CreateEngagementResult:
        ctx = info.context

        def request() -> rpc.CreateEngagementRequest:
            agency = ctx.acting_agency(input.agency_id)
            return rpc.CreateEngagementRequest(
                unit_id=decode_global_id(input.unit_id, "Unit", field="unitId"),
                agency_id=agency,
                service_modes=list(input.service_modes),
                period_start=input.period_start,
                period_end=input.period_end,
                scope=scope_of(ctx.authorizer),
                fee_terms=as_fields(input.fee_terms) if input.fee_terms else None,
                assessment=input.assessment.fields() if input.assessment else None,
                client_id=input.client_id,
                covered_unit_ids=[
                    decode_global_id(u, "Unit", field="coveredUnitIds")
                    for u in input.covered_unit_ids
                ],
                results_basis=input.results_basis,
            )

        return await run_mutation(
            info,
            CREATE_ENGAGEMENT,
            ("engagement", "create"),
            request=request,
            send=ctx.clients.engagement.create_engagement,
            success=lambda view: CreateEngagementSuccess(engagement=Engagement.from_view(view)),
        )
