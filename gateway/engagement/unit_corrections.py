"""`correctUnit`: a unit's name, address, industry code or legal representative corrected
(更正) with a reason; the previous versions stay readable on `Unit.versions`, and each of
the unit's engagements' traces records the correction. Who may update a unit's file
(casbin `unit update`: the agency's project managers, the unit's client admin) may
correct it; the USCC is the unit's key and is never corrected."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import strawberry
from strawberry.types import Info

from contracts.engagement import rpc_directory as engagement_rpc_directory
from gateway.context import Context, scope_of
from gateway.engagement.errors import UnitNotFound
from gateway.engagement.types import Unit
from gateway.errors import NotAuthorized, ServiceUnavailable, ValidationError
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation


@strawberry.input(description="The unit's corrected identity fields, with the reason.")
class CorrectUnitInput:
    unit_id: strawberry.ID
    reason: str = strawberry.field(description="Why (kept with the new version).")
    name: str
    address: str
    industry_code: str = strawberry.field(description="GB/T 4754 industry code, e.g. `C2614`.")
    legal_representative: str | None = None


@strawberry.type
class CorrectUnitSuccess:
    unit: Unit


CorrectUnitResult = Annotated[
    CorrectUnitSuccess | UnitNotFound | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("CorrectUnitResult"),
]
CORRECT_UNIT: ResultUnion[CorrectUnitResult] = ResultUnion(CorrectUnitResult)


@strawberry.type
class UnitCorrectionMutations:
    @strawberry.mutation(
        description="Correct a unit's name, address, industry code or legal representative: "
        "a new version with the reason; the old one stays in `Unit.versions`."
    )
    async def correct_unit(
        self, info: Info[Context, None], input: CorrectUnitInput
    ) -> CorrectUnitResult:
        ctx = info.context

        def request() -> engagement_rpc_directory.CorrectUnitRequest:
            unit_id = decode_global_id(input.unit_id, "Unit", field="unitId")
            fields = dataclasses.asdict(input)
            fields.pop("unit_id")
            return engagement_rpc_directory.CorrectUnitRequest(
                unit_id=unit_id, scope=scope_of(ctx.authorizer), **fields
            )

        return await run_mutation(
            info,
            CORRECT_UNIT,
            ("unit", "update"),
            request=request,
            send=ctx.clients.engagement.correct_unit,
            success=lambda view: CorrectUnitSuccess(unit=Unit.from_view(view)),
        )
