"""Mutations of the unit registry (issue 14): an agency proposes an engagement by USCC,
a unit registers itself and invites an agency, the recipient accepts or declines, the
sender withdraws, either side ends a link; an agency enters a park, group or region."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry.types import Info

from contracts.engagement import rpc_registry
from gateway.context import Context, scope_of
from gateway.engagement.errors import (
    AgencyNotFound,
    InvalidUSCC,
    LinkRequestClosed,
    LinkRequestNotFound,
    UnitAlreadyRegistered,
    UnitNotFound,
)
from gateway.engagement.registry_types import (
    Client,
    CreateClientInput,
    EndUnitLinkInput,
    InviteAgencyInput,
    LinkRequestDecisionInput,
    ProposeEngagementInput,
    RegisterOwnUnitInput,
    UnitLink,
    UnitLinkRequest,
)
from gateway.engagement.types import Unit
from gateway.errors import NotAuthorized, ServiceUnavailable, ValidationError
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation


@strawberry.type(description="The request, as its sender or recipient now sees it.")
class UnitLinkRequestSuccess:
    request: UnitLinkRequest


@strawberry.type
class RegisterOwnUnitSuccess:
    unit: Unit


@strawberry.type
class EndUnitLinkSuccess:
    link: UnitLink


@strawberry.type
class CreateClientSuccess:
    client: Client


ProposeEngagementResult = Annotated[
    UnitLinkRequestSuccess | InvalidUSCC | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("ProposeEngagementResult"),
]
PROPOSE: ResultUnion[ProposeEngagementResult] = ResultUnion(ProposeEngagementResult)
RegisterOwnUnitResult = Annotated[
    RegisterOwnUnitSuccess
    | InvalidUSCC
    | UnitAlreadyRegistered
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("RegisterOwnUnitResult"),
]
REGISTER_OWN: ResultUnion[RegisterOwnUnitResult] = ResultUnion(RegisterOwnUnitResult)
InviteAgencyResult = Annotated[
    UnitLinkRequestSuccess
    | InvalidUSCC
    | AgencyNotFound
    | UnitNotFound
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("InviteAgencyResult"),
]
INVITE: ResultUnion[InviteAgencyResult] = ResultUnion(InviteAgencyResult)
LinkRequestDecisionResult = Annotated[
    UnitLinkRequestSuccess
    | LinkRequestNotFound
    | LinkRequestClosed
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("LinkRequestDecisionResult"),
]
DECISION: ResultUnion[LinkRequestDecisionResult] = ResultUnion(LinkRequestDecisionResult)
EndUnitLinkResult = Annotated[
    EndUnitLinkSuccess | UnitNotFound | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("EndUnitLinkResult"),
]
END_LINK: ResultUnion[EndUnitLinkResult] = ResultUnion(EndUnitLinkResult)
CreateClientResult = Annotated[
    CreateClientSuccess | InvalidUSCC | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("CreateClientResult"),
]
CREATE_CLIENT: ResultUnion[CreateClientResult] = ResultUnion(CreateClientResult)

Send = Callable[[rpc_registry.LinkDecision], Awaitable[rpc_registry.LinkRequestView]]


async def _decide(
    info: Info[Context, None], input: LinkRequestDecisionInput, send: Send
) -> LinkRequestDecisionResult:
    ctx = info.context
    return await run_mutation(
        info,
        DECISION,
        ("unit_link", "decide"),
        request=lambda: rpc_registry.LinkDecision(
            request_id=input.request_id,  # pydantic parses it
            scope=scope_of(ctx.authorizer),
            reason=input.reason,
        ),
        send=send,
        success=lambda view: UnitLinkRequestSuccess(request=UnitLinkRequest.from_view(view)),
    )


def _end_request(ctx: Context, input: EndUnitLinkInput) -> rpc_registry.EndUnitLinkRequest:
    """A unit names the agency, an agency the unit; the other side is the caller."""
    scope = scope_of(ctx.authorizer)
    if scope.unit_id is not None:
        return rpc_registry.EndUnitLinkRequest(
            unit_id=scope.unit_id,
            agency_id=input.agency_id,  # pydantic parses it
            scope=scope,
        )
    unit_id = decode_global_id(input.unit_id or "", "Unit", field="unitId")
    return rpc_registry.EndUnitLinkRequest(
        unit_id=unit_id, agency_id=ctx.acting_agency(), scope=scope
    )


@strawberry.type
class RegistryMutations:
    @strawberry.mutation(
        description="Propose an engagement to the unit with this USCC. The answer is the same "
        "whether the registry has the unit or not; you see the unit once it accepts."
    )
    async def propose_engagement(
        self, info: Info[Context, None], input: ProposeEngagementInput
    ) -> ProposeEngagementResult:
        ctx = info.context
        return await run_mutation(
            info,
            PROPOSE,
            ("unit_link", "propose"),
            request=lambda: rpc_registry.ProposeEngagementRequest(
                agency_id=ctx.acting_agency(), uscc=input.uscc, note=input.note
            ),
            send=ctx.clients.engagement.propose_engagement,
            success=lambda view: UnitLinkRequestSuccess(request=UnitLinkRequest.from_view(view)),
        )

    @strawberry.mutation(
        description="Register your own unit in the registry (a unit's client admin); "
        "proposals that waited for its USCC reach it."
    )
    async def register_own_unit(
        self, info: Info[Context, None], input: RegisterOwnUnitInput
    ) -> RegisterOwnUnitResult:
        ctx = info.context
        return await run_mutation(
            info,
            REGISTER_OWN,
            ("unit", "register"),
            request=lambda: rpc_registry.RegisterOwnUnitRequest(
                unit_id=ctx.acting_unit(),
                name=input.name,
                uscc=input.uscc,
                industry_code=input.industry_code,
                address=input.address,
            ),
            send=ctx.clients.engagement.register_own_unit,
            success=lambda view: RegisterOwnUnitSuccess(unit=Unit.from_view(view)),
        )

    @strawberry.mutation(description="Invite an agency to serve your unit; it accepts or not.")
    async def invite_agency(
        self, info: Info[Context, None], input: InviteAgencyInput
    ) -> InviteAgencyResult:
        ctx = info.context
        return await run_mutation(
            info,
            INVITE,
            ("unit_link", "invite"),
            request=lambda: rpc_registry.InviteAgencyRequest(
                unit_id=ctx.acting_unit(), agency_uscc=input.agency_uscc, note=input.note
            ),
            send=ctx.clients.engagement.invite_agency,
            success=lambda view: UnitLinkRequestSuccess(request=UnitLinkRequest.from_view(view)),
        )

    @strawberry.mutation(description="Accept a proposal (a unit) or an invitation (an agency).")
    async def accept_unit_link_request(
        self, info: Info[Context, None], input: LinkRequestDecisionInput
    ) -> LinkRequestDecisionResult:
        return await _decide(info, input, info.context.clients.engagement.accept_link_request)

    @strawberry.mutation(description="Decline a proposal or an invitation, with a reason.")
    async def decline_unit_link_request(
        self, info: Info[Context, None], input: LinkRequestDecisionInput
    ) -> LinkRequestDecisionResult:
        return await _decide(info, input, info.context.clients.engagement.decline_link_request)

    @strawberry.mutation(description="Withdraw a proposal or invitation you sent.")
    async def withdraw_unit_link_request(
        self, info: Info[Context, None], input: LinkRequestDecisionInput
    ) -> LinkRequestDecisionResult:
        return await _decide(info, input, info.context.clients.engagement.withdraw_link_request)

    @strawberry.mutation(
        description="End an active link. The agency keeps reading its engagements, "
        "read-only, and nothing newer of the unit."
    )
    async def end_unit_link(
        self, info: Info[Context, None], input: EndUnitLinkInput
    ) -> EndUnitLinkResult:
        ctx = info.context
        return await run_mutation(
            info,
            END_LINK,
            ("unit_link", "end"),
            request=lambda: _end_request(ctx, input),
            send=ctx.clients.engagement.end_unit_link,
            success=lambda view: EndUnitLinkSuccess(link=UnitLink.from_view(view)),
        )

    @strawberry.mutation(
        description="Enter a client that is not one unit (园区, 集团, 区域/流域), the 委托方 of "
        "engagements covering several units."
    )
    async def create_client(
        self, info: Info[Context, None], input: CreateClientInput
    ) -> CreateClientResult:
        ctx = info.context
        return await run_mutation(
            info,
            CREATE_CLIENT,
            ("client", "create"),
            request=lambda: rpc_registry.CreateClientRequest(
                agency_id=ctx.acting_agency(),
                kind=input.kind,
                name=input.name,
                uscc=input.uscc,
                region_code=input.region_code,
            ),
            send=ctx.clients.engagement.create_client,
            success=lambda view: CreateClientSuccess(client=Client.from_view(view)),
        )
