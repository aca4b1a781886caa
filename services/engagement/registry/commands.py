"""Registry use cases that change state: units entered or registering themselves,
proposals and invitations with their answers, links ended, clients entered, requests
expired. Each runs in the caller's transaction (flush, never commit); every change of a
request or a link is an event in the outbox of that same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from contracts.engagement import rpc_directory, rpc_registry
from contracts.engagement.enums import LinkDirection, LinkRequestStatus, LinkStatus
from contracts.engagement.errors import (
    AgencyNotFound,
    LinkRequestNotFound,
    UnitAlreadyRegistered,
    UnitNotFound,
)
from contracts.engagement.event_data import (
    UnitLinkData,
    UnitLinkRequestData,
    UnitRegisteredData,
)
from contracts.engagement.events import (
    UnitLinkChangedV1,
    UnitLinkRequestDecidedV1,
    UnitLinkRequestedV1,
    UnitRegisteredV1,
)
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.engagement.directory import domain as directory_domain
from services.engagement.directory import repository as directory_repository
from services.engagement.directory.commands import add_unit
from services.engagement.directory.search import index_file
from services.engagement.directory.views import unit_view
from services.engagement.models import (
    Client,
    Unit,
    UnitFile,
    UnitLink,
    UnitLinkRequest,
    messaging,
)
from services.engagement.registry import domain, repository
from services.engagement.registry.views import client_view, link_view, request_view
from services.engagement.repository import WORKING

_TAKEN = "this 统一社会信用代码 is already in the registry"


def _system(tenant: str) -> CallContext:
    return CallContext(actor="system:engagement", tenant=tenant, correlation_id="")


async def _request_event(
    session: AsyncSession, ctx: CallContext, request: UnitLinkRequest, *, decided: bool
) -> None:
    data = UnitLinkRequestData.from_row(request, request_id=request.id)
    cls = UnitLinkRequestDecidedV1 if decided else UnitLinkRequestedV1
    await record_event(session, messaging, make_event(cls, ctx, data))


async def open_link(
    session: AsyncSession, ctx: CallContext, unit_id: UUID, agency_id: UUID, via: str
) -> UnitLink:
    """The agency's link to the unit made active (anew, or again after it ended)."""
    link = await repository.link(session, unit_id, agency_id)
    if link is not None and link.status == LinkStatus.ACTIVE:
        return link
    now = datetime.now(UTC)
    # A provisional agency now reads the registry's file; its own stays as the link's
    # history (traced by this link's change event).
    await repository.share_file(session, unit_id, agency_id, now)
    if link is None:
        link = UnitLink(unit_id=unit_id, agency_id=agency_id)
        session.add(link)
    link.status, link.via, link.since = LinkStatus.ACTIVE, via, now
    link.ended_at = link.ended_by = None
    await session.flush()
    data = UnitLinkData(unit_id=unit_id, agency_id=agency_id, status=LinkStatus.ACTIVE, via=via)
    await record_event(session, messaging, make_event(UnitLinkChangedV1, ctx, data))
    return link


async def create_unit(
    session: AsyncSession, req: rpc_directory.CreateUnitRequest, ctx: CallContext
) -> rpc_registry.CreateUnitReply:
    """An agency enters a unit, and the answer is the same whether the registry had its
    USCC or not (issue 14): a unit the agency works with at once. A new USCC: the unit,
    with the agency's link. One the agency works on already: that unit as it sees it.
    Any other: a provisional link to the registry's unit, the agency's own file of it
    (what it typed) and a proposal the unit answers; the agency is shown neither."""
    code = directory_domain.valid_uscc(req.uscc)
    directory_domain.valid_industry_code(req.industry_code)
    existing = await directory_repository.unit_by_uscc(session, code)
    if existing is None:
        unit = await add_unit(session, req, ctx)
        if req.agency_id is not None:
            await open_link(session, ctx, unit.id, req.agency_id, "registered")
        return rpc_registry.CreateUnitReply(unit=unit_view(unit))
    if req.agency_id is None:
        raise UnitAlreadyRegistered(
            "this 统一社会信用代码 is already in the registry", field="uscc"
        )
    scope = Scope(agency_id=req.agency_id)
    link = await repository.link(session, existing.id, req.agency_id)
    if link is None or link.status not in WORKING:
        await open_provisional(session, ctx, existing, req)
    file = (await directory_repository.own_files(session, [existing.id], scope)).get(existing.id)
    return rpc_registry.CreateUnitReply(unit=unit_view(existing, file))


async def open_provisional(
    session: AsyncSession, ctx: CallContext, unit: Unit, req: rpc_directory.CreateUnitRequest
) -> UnitFile:
    """The agency's provisional link to a registry unit, its own file of the unit as it
    typed it, and a proposal the unit's client admin answers (accepted: the agency reads
    the registry's file from then on). The proposal is silent: the agency's list of
    requests would otherwise tell a registered USCC from a new one."""
    assert req.agency_id is not None
    now = datetime.now(UTC)
    file = await directory_repository.file_of(session, unit.id, req.agency_id)
    if file is None:
        file = UnitFile(id=new_id(), unit_id=unit.id, agency_id=req.agency_id)
        session.add(file)
    file.name, file.address = req.name, req.address
    file.industry_code = directory_domain.valid_industry_code(req.industry_code)
    file.created_at, file.created_by, file.shared_at = now, ctx.actor, None
    index_file(file)
    link = await repository.link(session, unit.id, req.agency_id)
    if link is None:
        link = UnitLink(unit_id=unit.id, agency_id=req.agency_id)
        session.add(link)
    link.status, link.via, link.since = LinkStatus.PROVISIONAL, "registered", now
    link.ended_at = link.ended_by = None
    await session.flush()
    data = UnitLinkData(
        unit_id=unit.id, agency_id=req.agency_id, status=LinkStatus.PROVISIONAL, via="registered"
    )
    await record_event(session, messaging, make_event(UnitLinkChangedV1, ctx, data))
    # Announced again with this agency, as a new unit's entry is: the calendar learns the
    # agency serves the unit (registerPermit, imported permits) just as for a new USCC.
    # The registry's values, so consumers that keep a unit's first announcement never
    # take the agency's file for the registry's; the agency's own name beside them, for
    # what consumers show that agency (its reminders, its scorecard exports).
    announced = UnitRegisteredData.from_row(
        unit, unit_id=unit.id, registered_by_agency_id=req.agency_id, agency_file_name=file.name
    )
    await record_event(session, messaging, make_event(UnitRegisteredV1, ctx, announced))
    if await repository.pending_proposal(session, req.agency_id, unit.uscc) is None:
        request = UnitLinkRequest(
            id=new_id(),
            direction=LinkDirection.PROPOSAL,
            uscc=unit.uscc,
            unit_id=unit.id,
            agency_id=req.agency_id,
            status=LinkRequestStatus.PENDING,
            note=None,
            created_at=now,
            created_by=ctx.actor,
            expires_at=domain.expires_at(now),
            silent=True,
        )
        session.add(request)
        await session.flush()
        await _request_event(session, ctx, request, decided=False)
    return file


async def propose(
    session: AsyncSession, req: rpc_registry.ProposeEngagementRequest, ctx: CallContext
) -> rpc_registry.LinkRequestView:
    """A proposal to whichever unit has (or will have) this USCC. The answer never depends
    on whether the registry has it: the request shows no unit until the unit accepts."""
    code = directory_domain.valid_uscc(req.uscc)
    scope = Scope(agency_id=req.agency_id)
    waiting = await repository.pending_proposal(session, req.agency_id, code, shown_only=True)
    if waiting is not None:
        return request_view(waiting, scope)
    unit = await directory_repository.unit_by_uscc(session, code)
    now = datetime.now(UTC)
    request = UnitLinkRequest(
        id=new_id(),
        direction=LinkDirection.PROPOSAL,
        uscc=code,
        unit_id=unit.id if unit is not None else None,
        agency_id=req.agency_id,
        status=LinkRequestStatus.PENDING,
        note=req.note,
        created_at=now,
        created_by=ctx.actor,
        expires_at=domain.expires_at(now),
    )
    session.add(request)
    await session.flush()
    await _request_event(session, ctx, request, decided=False)
    return request_view(request, scope)


async def register_own_unit(
    session: AsyncSession, req: rpc_registry.RegisterOwnUnitRequest, ctx: CallContext
) -> rpc_directory.UnitView:
    """A unit's client admin registers its unit under the token's unit id; proposals that
    waited for its USCC now reach it. Registering again with the same USCC answers the
    unit as it is."""
    code = directory_domain.valid_uscc(req.uscc)
    directory_domain.valid_industry_code(req.industry_code)
    existing = await directory_repository.unit_by_uscc(session, code)
    if existing is not None:
        if existing.id == req.unit_id:
            return unit_view(existing)
        raise UnitAlreadyRegistered(
            "this 统一社会信用代码 is already in the registry", field="uscc"
        )
    if await directory_repository.units_by_ids(session, [req.unit_id], Scope(unit_id=req.unit_id)):
        raise UnitAlreadyRegistered(
            "your unit is registered with another 统一社会信用代码", field="uscc"
        )
    fields = req.model_dump(exclude={"unit_id"})
    entry = rpc_directory.CreateUnitRequest(**fields)
    unit = await add_unit(session, entry, ctx, unit_id=req.unit_id)
    await repository.attach_proposals(session, code, unit.id)
    return unit_view(unit)


async def invite(
    session: AsyncSession, req: rpc_registry.InviteAgencyRequest, ctx: CallContext
) -> rpc_registry.LinkRequestView:
    """A unit invites an agency (by the agency's USCC) to serve it."""
    scope = Scope(unit_id=req.unit_id)
    unit = (await directory_repository.units_by_ids(session, [req.unit_id], scope)).get(req.unit_id)
    if unit is None:
        raise UnitNotFound("register your unit first (registerOwnUnit)", field="unitId")
    agency_code = directory_domain.valid_uscc(req.agency_uscc)
    agency = await directory_repository.agency_by_uscc(session, agency_code)
    if agency is None:
        raise AgencyNotFound("no agency with this 统一社会信用代码", field="agencyUscc")
    now = datetime.now(UTC)
    request = UnitLinkRequest(
        id=new_id(),
        direction=LinkDirection.INVITATION,
        uscc=unit.uscc,
        unit_id=unit.id,
        agency_id=agency.id,
        status=LinkRequestStatus.PENDING,
        note=req.note,
        created_at=now,
        created_by=ctx.actor,
        expires_at=domain.expires_at(now),
    )
    session.add(request)
    await session.flush()
    await _request_event(session, ctx, request, decided=False)
    return request_view(request, scope)


async def _decide(
    session: AsyncSession,
    req: rpc_registry.LinkDecision,
    ctx: CallContext,
    status: LinkRequestStatus,
) -> rpc_registry.LinkRequestView:
    request = await repository.request_for_update(session, req.request_id)
    allowed = domain.is_sender if status == LinkRequestStatus.WITHDRAWN else domain.is_recipient
    # Not a party, or a party whose step this is not (an agency accepting its own
    # proposal): the same "no such request" either way.
    if request is None or not allowed(request, req.scope):
        raise LinkRequestNotFound("no such request", field="requestId")
    now = datetime.now(UTC)
    domain.still_pending(request, now)
    request.status, request.reason = status, req.reason
    request.decided_at, request.decided_by = now, ctx.actor
    await session.flush()
    await _request_event(session, ctx, request, decided=True)
    if status == LinkRequestStatus.ACCEPTED:
        assert request.unit_id is not None  # a recipient unit answered: it has one
        await open_link(session, ctx, request.unit_id, request.agency_id, request.direction)
    return request_view(request, req.scope)


async def accept(
    session: AsyncSession, req: rpc_registry.LinkDecision, ctx: CallContext
) -> rpc_registry.LinkRequestView:
    return await _decide(session, req, ctx, LinkRequestStatus.ACCEPTED)


async def decline(
    session: AsyncSession, req: rpc_registry.LinkDecision, ctx: CallContext
) -> rpc_registry.LinkRequestView:
    return await _decide(session, req, ctx, LinkRequestStatus.DECLINED)


async def withdraw(
    session: AsyncSession, req: rpc_registry.LinkDecision, ctx: CallContext
) -> rpc_registry.LinkRequestView:
    return await _decide(session, req, ctx, LinkRequestStatus.WITHDRAWN)


async def end_link(
    session: AsyncSession, req: rpc_registry.EndUnitLinkRequest, ctx: CallContext
) -> rpc_registry.UnitLinkView:
    """The unit, or the agency itself, ends an active link. The agency keeps reading its
    engagements (read-only from now on) and nothing newer of the unit."""
    mine = req.scope.unit_id == req.unit_id or req.scope.agency_id == req.agency_id
    link = await repository.link(session, req.unit_id, req.agency_id) if mine else None
    if link is None or link.status not in WORKING:
        raise UnitNotFound("no active link to this unit", field="unitId")
    link.status, link.ended_at, link.ended_by = LinkStatus.ENDED, datetime.now(UTC), ctx.actor
    await session.flush()
    data = UnitLinkData(
        unit_id=link.unit_id, agency_id=link.agency_id, status=LinkStatus.ENDED, via=link.via
    )
    await record_event(session, messaging, make_event(UnitLinkChangedV1, ctx, data))
    return link_view(link)


async def create_client(
    session: AsyncSession, req: rpc_registry.CreateClientRequest, ctx: CallContext
) -> rpc_registry.ClientView:
    """An agency enters a client that is not one unit: a park, a group or a region."""
    code = directory_domain.valid_uscc(req.uscc) if req.uscc else None
    client = Client(
        id=new_id(),
        kind=req.kind,
        name=req.name,
        uscc=code,
        region_code=req.region_code,
        agency_id=req.agency_id,
        created_at=datetime.now(UTC),
        created_by=ctx.actor,
    )
    session.add(client)
    await session.flush()
    return client_view(client)


async def expire_requests(session: AsyncSession, now: datetime) -> int:
    """Requests unanswered past their expiry: expired, each with its event."""
    expired = await repository.overdue_requests(session, now)
    for request in expired:
        request.status, request.decided_at = LinkRequestStatus.EXPIRED, now
        request.decided_by = "system:engagement"
        await session.flush()
        ctx = _system(f"agency:{request.agency_id}")
        await _request_event(session, ctx, request, decided=True)
    return len(expired)
