"""The envelope every event shares.

Subjects are `ecohost.events.<type>`, e.g. `ecohost.events.engagement.created.v1`,
so a consumer can filter by service (`ecohost.events.engagement.>`) or take all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
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
