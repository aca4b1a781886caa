"""Events: the envelope every event shares and the typed events of each service.

Subjects are `ecohost.events.<type>`, e.g. `ecohost.events.engagement.created.v1`,
so a consumer can filter by service (`ecohost.events.engagement.>`) or take all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from contracts.base import Contract

EVENT_SUBJECT_PREFIX = "ecohost.events."
EVENT_STREAM = "ECOHOST_EVENTS"


class EventEnvelope(Contract):
    """What every event carries, whatever its type.

    Consumers that handle any event (the archive's trace ledger) read this
    envelope with `data` left as a plain object, so they keep working when a new
    event type appears.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID = Field(description="UUIDv7; also the JetStream Nats-Msg-Id for dedupe.")
    type: str = Field(description="`<service>.<event>.v<version>`.")
    occurred_at: datetime
    actor: str = Field(description="User id of who caused it, or `system:<process>`.")
    tenant: str = Field(description="Domain of the actor: `agency:<id>`, `unit:<id>`, …")
    engagement_id: UUID | None = None
    correlation_id: str = Field(description="Request id that started the chain of work.")
    data: dict[str, Any]

    @property
    def subject(self) -> str:
        return EVENT_SUBJECT_PREFIX + self.type


class UnitRegisteredData(Contract):
    unit_id: UUID
    name: str
    uscc: str
    industry_code: str
    region_code: str
    registered_by_agency_id: UUID | None


class EngagementCreatedData(Contract):
    engagement_id: UUID
    unit_id: UUID
    agency_id: UUID
    service_modes: list[str]
    period_start: date
    period_end: date
    status: str


class UnitRegisteredV1(EventEnvelope):
    """A pollutant-discharging unit (排污单位) was entered in the directory."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: Literal["engagement.unit_registered.v1"] = "engagement.unit_registered.v1"
    data: UnitRegisteredData  # type: ignore[assignment]


class EngagementCreatedV1(EventEnvelope):
    """A hosting engagement began from a signed agreement (签订托管服务协议, R4.2.1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: Literal["engagement.created.v1"] = "engagement.created.v1"
    data: EngagementCreatedData  # type: ignore[assignment]


TYPED_EVENTS: tuple[type[EventEnvelope], ...] = (UnitRegisteredV1, EngagementCreatedV1)
EVENT_TYPES: dict[str, type[EventEnvelope]] = {
    str(cls.model_fields["type"].default): cls for cls in TYPED_EVENTS
}


def parse_event(raw: bytes) -> EventEnvelope:
    """Parse bytes into the typed event when the type is known, else the bare envelope."""
    envelope = EventEnvelope.model_validate_json(raw)
    typed = EVENT_TYPES.get(envelope.type)
    return typed.model_validate_json(raw) if typed else envelope
