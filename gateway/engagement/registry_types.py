"""GraphQL of the unit registry (issue 14): proposals and invitations, links, clients
that are not one unit, and their inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Self
from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.engagement import rpc_registry
from contracts.engagement.enums import (
    ClientKind,
    LinkDirection,
    LinkRequestStatus,
    LinkStatus,
)
from gateway.context import Context
from gateway.engagement.types import Unit, visible_unit

strawberry.enum(LinkDirection, description="Who asked: an agency (proposal) or a unit.")
strawberry.enum(
    LinkRequestStatus, description="A proposal's or invitation's state; each change is traced."
)
strawberry.enum(
    LinkStatus,
    description="An agency's link to a unit: active, ended (past), or provisional (the agency "
    "works on its own file of the unit until the unit consents; shown to the agency as "
    "active).",
)
strawberry.enum(ClientKind, description="委托方 that is not one unit: 园区, 集团, 区域/流域.")


@strawberry.type(
    description="A proposal (an agency to a unit, by USCC) or an invitation (a unit to an "
    "agency). The proposing agency sees no unit until the unit accepts."
)
class UnitLinkRequest:
    id: strawberry.ID
    direction: LinkDirection
    status: LinkRequestStatus
    uscc: str = strawberry.field(description="The unit's 统一社会信用代码.")
    agency_id: str
    note: str | None
    reason: str | None = strawberry.field(description="Why it was declined, if said.")
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    unit_id: strawberry.Private[UUID | None]

    @classmethod
    def from_view(cls, v: rpc_registry.LinkRequestView) -> Self:
        return cls(
            id=strawberry.ID(str(v.id)),
            direction=v.direction,
            status=v.status,
            uscc=v.uscc,
            agency_id=str(v.agency_id),
            note=v.note,
            reason=v.reason,
            created_at=v.created_at,
            expires_at=v.expires_at,
            decided_at=v.decided_at,
            unit_id=v.unit_id,
        )

    @strawberry.field(description="The unit: to a proposing agency only once accepted.")
    async def unit(self, info: Info[Context, None]) -> Unit | None:
        return await visible_unit(info.context, self.unit_id) if self.unit_id else None


@strawberry.type(description="An agency's link to a unit: what lets it work on the unit.")
class UnitLink:
    agency_id: str
    status: LinkStatus
    via: str = strawberry.field(
        description="registered, proposal, invitation, or migration (before the registry)."
    )
    since: datetime
    ended_at: datetime | None
    unit_id: strawberry.Private[UUID]

    @classmethod
    def from_view(cls, v: rpc_registry.UnitLinkView) -> Self:
        return cls(
            agency_id=str(v.agency_id),
            status=v.status,
            via=v.via,
            since=v.since,
            ended_at=v.ended_at,
            unit_id=v.unit_id,
        )

    @strawberry.field(description="The unit; null once you may no longer see it.")
    async def unit(self, info: Info[Context, None]) -> Unit | None:
        return await visible_unit(info.context, self.unit_id)


@strawberry.type(description="委托方 that is not one unit: an industrial park, group or region.")
class Client:
    id: strawberry.ID
    kind: ClientKind
    name: str
    uscc: str | None
    region_code: str
    agency_id: str
    created_at: datetime

    @classmethod
    def from_view(cls, v: rpc_registry.ClientView) -> Self:
        return cls(
            id=strawberry.ID(str(v.id)),
            kind=v.kind,
            name=v.name,
            uscc=v.uscc,
            region_code=v.region_code,
            agency_id=str(v.agency_id),
            created_at=v.created_at,
        )


@strawberry.input(description="Propose an engagement to the unit with this USCC.")
class ProposeEngagementInput:
    uscc: str
    note: str | None = None


@strawberry.input(description="Register your own unit (a unit's client admin).")
class RegisterOwnUnitInput:
    name: str
    uscc: str
    industry_code: str = strawberry.field(description="GB/T 4754 code, e.g. C2614.")
    address: str


@strawberry.input(description="Invite an agency, by its 统一社会信用代码, to serve your unit.")
class InviteAgencyInput:
    agency_uscc: str
    note: str | None = None


@strawberry.input(description="Answer or withdraw a proposal or invitation.")
class LinkRequestDecisionInput:
    request_id: strawberry.ID
    reason: str | None = None


@strawberry.input(description="End a link: a unit names the agency, an agency the unit.")
class EndUnitLinkInput:
    unit_id: strawberry.ID | None = None
    agency_id: str | None = None


@strawberry.input(description="A client that is not one unit: a park, group or region.")
class CreateClientInput:
    kind: ClientKind
    name: str
    region_code: str = strawberry.field(description="GB/T 2260 code of its area, 6 digits.")
    uscc: str | None = None
