"""The unit registry (issue 14 part 2): a unit exists once, by USCC; agencies see it
through links, made by consent. Proposals (an agency to a unit, by USCC) and invitations
(a unit to an agency), a unit registering itself, links ended, and clients that are not
one unit (park, group, region) with the units their engagements cover."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from contracts.core import Contract, Rpc, Scope
from contracts.engagement.enums import (
    ClientKind,
    LinkDirection,
    LinkRequestStatus,
    LinkStatus,
)
from contracts.engagement.rpc import GetManyRequest
from contracts.engagement.rpc_directory import CreateUnitRequest, UnitView


class LinkRequestView(Contract):
    """A proposal or invitation as its parties see it. To the proposing agency `unit_id`
    stays None until the unit accepts: it learns nothing of the unit before."""

    id: UUID
    direction: LinkDirection
    status: LinkRequestStatus
    uscc: str
    unit_id: UUID | None
    agency_id: UUID
    note: str | None
    reason: str | None
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None


class CreateUnitReply(Contract):
    """An agency entering a unit: always the unit as the agency sees it. A new USCC: the
    new unit (and the agency's link to it); a USCC already in the registry: the agency's
    own file of it under a provisional link, the same answer in every field (issue 14)."""

    unit: UnitView | None = None
    request: LinkRequestView | None = Field(
        default=None, description="No longer set: kept for replies of older services."
    )


class ProposeEngagementRequest(Contract):
    """An agency proposes an engagement to the unit with this USCC. The answer is the same
    whether the registry has such a unit or not."""

    agency_id: UUID
    uscc: str
    note: str | None = Field(default=None, max_length=2000)


class RegisterOwnUnitRequest(Contract):
    """A unit's client admin registers the unit itself, under its token's unit id."""

    unit_id: UUID
    name: str = Field(min_length=1, max_length=200)
    uscc: str
    industry_code: str
    address: str = Field(min_length=1, max_length=500)


class InviteAgencyRequest(Contract):
    """A unit invites an agency, named by the agency's USCC, to serve it."""

    unit_id: UUID
    agency_uscc: str
    note: str | None = Field(default=None, max_length=2000)


class LinkDecision(Contract):
    """accept or decline: the recipient; withdraw: the sender."""

    request_id: UUID
    scope: Scope
    reason: str | None = Field(default=None, max_length=2000)


class LinkRequestsRequest(Contract):
    """Proposals and invitations the caller sent or received, newest first."""

    scope: Scope
    status: LinkRequestStatus | None = None
    limit: int = Field(default=50, ge=1, le=200)


class LinkRequestsReply(Contract):
    items: list[LinkRequestView]


class UnitLinkView(Contract):
    unit_id: UUID
    agency_id: UUID
    status: LinkStatus
    via: str
    since: datetime
    ended_at: datetime | None


class EndUnitLinkRequest(Contract):
    """A unit ends an agency's link, or an agency its own: from then on the agency reads
    its past engagements only."""

    unit_id: UUID
    agency_id: UUID
    scope: Scope


class UnitLinksRequest(Contract):
    """The links of the caller: a unit's agencies, or an agency's units."""

    scope: Scope


class UnitLinksReply(Contract):
    items: list[UnitLinkView]


class CreateClientRequest(Contract):
    agency_id: UUID
    kind: ClientKind
    name: str = Field(min_length=1, max_length=200)
    uscc: str | None = Field(default=None, description="统一社会信用代码, if it has one.")
    region_code: str = Field(
        pattern=r"^\d{6}$", description="GB/T 2260 code of the area (a regulator's scope)."
    )


class ClientView(Contract):
    id: UUID
    kind: ClientKind
    name: str
    uscc: str | None
    region_code: str
    agency_id: UUID
    created_at: datetime


class ClientsRequest(Contract):
    ids: list[UUID] = Field(max_length=500)
    scope: Scope


class ClientsReply(Contract):
    items: list[ClientView | None]


class CoveredUnitsReply(Contract):
    """Per requested engagement, the units it covers (empty for a single-unit one or one
    out of scope)."""

    items: list[list[UUID]]


# The directory's unit.create, answering with a unit or a proposal (issue 14).
CREATE_UNIT = Rpc("engagement", "unit.create", CreateUnitRequest, CreateUnitReply)
PROPOSE_ENGAGEMENT = Rpc(
    "engagement", "registry.propose", ProposeEngagementRequest, LinkRequestView
)
REGISTER_OWN_UNIT = Rpc("engagement", "registry.register_own", RegisterOwnUnitRequest, UnitView)
INVITE_AGENCY = Rpc("engagement", "registry.invite", InviteAgencyRequest, LinkRequestView)
ACCEPT_LINK_REQUEST = Rpc("engagement", "registry.accept", LinkDecision, LinkRequestView)
DECLINE_LINK_REQUEST = Rpc("engagement", "registry.decline", LinkDecision, LinkRequestView)
WITHDRAW_LINK_REQUEST = Rpc("engagement", "registry.withdraw", LinkDecision, LinkRequestView)
LINK_REQUESTS = Rpc("engagement", "registry.requests", LinkRequestsRequest, LinkRequestsReply)
END_UNIT_LINK = Rpc("engagement", "registry.end_link", EndUnitLinkRequest, UnitLinkView)
UNIT_LINKS = Rpc("engagement", "registry.links", UnitLinksRequest, UnitLinksReply)
CREATE_CLIENT = Rpc("engagement", "client.create", CreateClientRequest, ClientView)
GET_CLIENTS = Rpc("engagement", "client.get_many", ClientsRequest, ClientsReply)
COVERED_UNITS = Rpc("engagement", "engagement.covered_units", GetManyRequest, CoveredUnitsReply)

REGISTRY_RPCS: tuple[Rpc[Any, Any], ...] = (
    CREATE_UNIT,
    PROPOSE_ENGAGEMENT,
    REGISTER_OWN_UNIT,
    INVITE_AGENCY,
    ACCEPT_LINK_REQUEST,
    DECLINE_LINK_REQUEST,
    WITHDRAW_LINK_REQUEST,
    LINK_REQUESTS,
    END_UNIT_LINK,
    UNIT_LINKS,
    CREATE_CLIENT,
    GET_CLIENTS,
    COVERED_UNITS,
)
