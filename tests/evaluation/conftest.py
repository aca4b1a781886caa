"""A migrated evaluation database (SQLite and PostgreSQL) and crafted engagement events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from contracts.core import EventEnvelope, Scope
from contracts.engagement.event_data import (
    EngagementCreatedData,
    StageChangedData,
    UnitRegisteredData,
)
from contracts.engagement.events import EngagementCreatedV1, StageChangedV1, UnitRegisteredV1
from kit.db import Database
from kit.ids import new_id
from kit.rpc import CallContext
from services.evaluation import app
from services.evaluation.commands import intake
from tests.infra.databases import migrated_database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, "evaluation", app.MIGRATIONS) as database:
        yield database


def envelope(cls: type[EventEnvelope], data: Any, engagement_id: UUID | None) -> Any:
    return cls(  # type: ignore[call-arg]  # `type` defaults per event class
        event_id=new_id(),
        occurred_at=datetime.now(UTC),
        actor="pm-li",
        tenant="agency:x",
        engagement_id=engagement_id,
        correlation_id=str(new_id()),
        data=data,
    )


@dataclass
class Engagement:
    """A unit in `region` served by `agency`, with events to register both."""

    agency_id: UUID
    unit_id: UUID
    engagement_id: UUID
    region: str

    @classmethod
    def new(cls, region: str = "440305") -> Engagement:
        return cls(new_id(), new_id(), new_id(), region)

    def unit_registered(self) -> UnitRegisteredV1:
        data = UnitRegisteredData(
            unit_id=self.unit_id,
            name="绿源化工有限公司",
            uscc="91440300MA5F00000X",
            industry_code="C2614",
            region_code=self.region,
            registered_by_agency_id=self.agency_id,
        )
        event: UnitRegisteredV1 = envelope(UnitRegisteredV1, data, None)
        return event

    def created(self) -> EngagementCreatedV1:
        data = EngagementCreatedData(
            engagement_id=self.engagement_id,
            unit_id=self.unit_id,
            agency_id=self.agency_id,
            service_modes=["fixed_resident"],
            period_start=date(2027, 1, 1),
            period_end=date(2027, 12, 31),
            status="preparation",
        )
        event: EngagementCreatedV1 = envelope(EngagementCreatedV1, data, self.engagement_id)
        return event

    def entered_evaluation(self) -> StageChangedV1:
        data = StageChangedData(
            engagement_id=self.engagement_id, from_stage="results", to_stage="evaluation"
        )
        event: StageChangedV1 = envelope(StageChangedV1, data, self.engagement_id)
        return event

    def scope(self) -> Scope:
        return Scope(agency_id=self.agency_id)

    async def register(self, db: Database) -> None:
        async with db.transaction() as s:
            await intake.on_engagement_event(s, self.unit_registered())
            await intake.on_engagement_event(s, self.created())


def caller(user: str, agency: UUID) -> CallContext:
    return CallContext(actor=user, tenant=f"agency:{agency}", correlation_id=str(new_id()))
