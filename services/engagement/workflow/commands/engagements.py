"""Opening an engagement (托管服务合同 agreed): at preparation, with 表 A.1 pending."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import ValidationFailed
from contracts.engagement import rpc
from contracts.engagement.enums import ClientKind, EngagementStatus, Stage
from contracts.engagement.errors import ClientNotFound, UnitNotFound
from contracts.engagement.event_data import EngagementCreatedData
from contracts.engagement.events import EngagementCreatedV1
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext, RawReply
from services.engagement.directory import repository as directory_repository
from services.engagement.models import Client, EngagementUnit, messaging
from services.engagement.registry import domain as registry_domain
from services.engagement.registry import repository as registry_repository
from services.engagement.statistics import commands as statistics
from services.engagement.workflow import domain, repository
from services.engagement.workflow.commands.opened import opened_reply
from services.engagement.workflow.new_engagement import NewEngagement


async def create_engagement(
    session: AsyncSession, req: rpc.CreateEngagementRequest, ctx: CallContext
) -> rpc.EngagementView | RawReply:
    engagement, region = await open_engagement(session, req, ctx)
    return opened_reply(engagement, region)


async def open_engagement(
    session: AsyncSession, req: rpc.CreateEngagementRequest, ctx: CallContext
) -> tuple[NewEngagement, str]:
    """The engagement opened (its row, written by one INSERT, read by attribute) and its
    unit's region code."""
    modes = domain.valid_service_modes(req.service_modes)
    domain.valid_period(req.period_start, req.period_end)
    assessment = domain.valid_assessment(req.assessment) if req.assessment else None
    fee_terms = domain.valid_fee_terms(req.fee_terms) if req.fee_terms else None
    # Only for units the agency has an active link to (a past link opens nothing new).
    covered = list(dict.fromkeys([req.unit_id, *req.covered_unit_ids]))
    regions = await directory_repository.writable_regions(session, covered, req.scope)
    region = regions.get(req.unit_id)
    if region is None:
        raise UnitNotFound("no such unit", field="unitId")
    if len(regions) != len(covered):
        raise UnitNotFound("no such unit among the covered units", field="coveredUnitIds")
    client = await _client(session, req)
    row = {
        "id": new_id(),
        "unit_id": req.unit_id,
        "agency_id": req.agency_id,
        "service_modes": [m.value for m in modes],
        "period_start": req.period_start,
        "period_end": req.period_end,
        "stage": Stage.PREPARATION,
        "created_at": datetime.now(UTC),
        "created_by": ctx.actor,
        "fee_terms": fee_terms.model_dump(mode="json") if fee_terms else None,
        "assessment": assessment.model_dump(mode="json") if assessment else None,
        "client_id": client.id if client else None,
        "results_basis": req.results_basis if client else None,
        # The columns' defaults, which the unit of work used to fill in.
        "deliverables": [],
        "status": EngagementStatus.ACTIVE,
    }
    await repository.add_engagement(session, row)  # and its 表 A.1
    engagement = repository.written_engagement(row)
    if client is not None:
        session.add_all(EngagementUnit(engagement_id=engagement.id, unit_id=u) for u in covered)
    data = EngagementCreatedData.from_row(
        engagement,
        engagement_id=engagement.id,
        status=engagement.stage,
        # The other services scope a client's (client:<id>) reads by these.
        covered_unit_ids=covered if client is not None else [],
    )
    event = make_event(EngagementCreatedV1, ctx, data, engagement_id=engagement.id)
    await record_event(session, messaging, event)
    # The region's counters after the outbox row: the rows they add to stay locked until
    # the commit, and a command opening in this region and period on a connection of the
    # same slot waits for them (kit/counters.py); only the commit's flush (covered units,
    # the idempotency row) comes after.
    await statistics.count_opened(session, row, region)
    return engagement, region


async def _client(session: AsyncSession, req: rpc.CreateEngagementRequest) -> Client | None:
    """The agency's client (park, group, region) the engagement is for, if any; several
    units or a regional basis need one."""
    if req.client_id is None:
        registry_domain.check_basis(None, req.results_basis)
        if req.covered_unit_ids:
            raise ValidationFailed(
                "an engagement covering several units needs its client (clientId)",
                field="coveredUnitIds",
            )
        return None
    client = await registry_repository.client(session, req.client_id, req.agency_id)
    if client is None:
        raise ClientNotFound("no such client", field="clientId")
    registry_domain.check_basis(ClientKind(client.kind), req.results_basis)
    return client
