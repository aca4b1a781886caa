"""Events: the envelope every event shares and the typed events of each service.

Subjects are `ecohost.events.<type>`, e.g. `ecohost.events.engagement.created.v1`,
so a consumer can filter by service (`ecohost.events.engagement.>`) or take all.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import ConfigDict

from contracts.base import Contract
from contracts.envelope import EVENT_STREAM, EVENT_SUBJECT_PREFIX, EventEnvelope
from contracts.evaluation import EVALUATION_EVENTS
from contracts.workflow_events import WORKFLOW_EVENTS

__all__ = ["EVENT_STREAM", "EVENT_SUBJECT_PREFIX", "EVENT_TYPES", "EventEnvelope", "parse_event"]


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


TYPED_EVENTS: tuple[type[EventEnvelope], ...] = (
    UnitRegisteredV1,
    EngagementCreatedV1,
    *WORKFLOW_EVENTS,
    *EVALUATION_EVENTS,
)
EVENT_TYPES: dict[str, type[EventEnvelope]] = {
    str(cls.model_fields["type"].default): cls for cls in TYPED_EVENTS
}


def parse_event(raw: bytes) -> EventEnvelope:
    """Parse bytes into the typed event when the type is known, else the bare envelope."""
    envelope = EventEnvelope.model_validate_json(raw)
    typed = EVENT_TYPES.get(envelope.type)
    return typed.model_validate_json(raw) if typed else envelope
