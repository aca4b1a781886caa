"""Engagements set up straight through the service's use cases, for tests that need one
in a given stage without driving every preparation step."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from contracts import core
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from kit.db import Database
from kit.ids import new_id
from kit.rpc import CallContext
from services.engagement.models import Engagement
from services.engagement.workflow.commands import engagements
from tests.e2e.harness import new_uscc
from tests.engagement import registry_rows as registry

CTX = CallContext(actor="pm", tenant="agency:x", correlation_id="c")


async def engagement_in_implementation(db: Database) -> tuple[UUID, UUID, core.Scope]:
    async with db.transaction() as s:
        unit = await registry.entered_unit(
            s,
            engagement_rpc_directory.CreateUnitRequest(
                name="u", uscc=new_uscc(), industry_code="C26", address="a", agency_id=None
            ),
            CTX,
        )
    agency_id = new_id()
    async with db.transaction() as s:
        made, _region = await engagements.open_engagement(
            s,
            rpc.CreateEngagementRequest(
                unit_id=unit.id,
                agency_id=agency_id,
                service_modes=["roving"],
                period_start=date(2027, 1, 1),
                period_end=date(2027, 12, 31),
                scope=core.Scope(unit_id=unit.id),
            ),
            CTX,
        )
        # Straight to implementation: the preparation steps are tested elsewhere.
        engagement = await s.get(Engagement, made.id)
        assert engagement is not None
        engagement.stage = "implementation"
    return made.id, unit.id, core.Scope(agency_id=agency_id)
