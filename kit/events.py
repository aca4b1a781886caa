"""Building event envelopes from a call context."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from contracts.core import Contract, EventEnvelope
from kit.ids import new_id
from kit.rpc import CallContext

E = TypeVar("E", bound=EventEnvelope)


def make_event(
    cls: type[E], ctx: CallContext, data: Contract, *, engagement_id: UUID | None = None
) -> E:
    fields: dict[str, Any] = {
        "event_id": new_id(),
        "occurred_at": datetime.now(UTC),
        "actor": ctx.actor,
        "tenant": ctx.tenant,
        "engagement_id": engagement_id,
        "correlation_id": ctx.correlation_id or str(new_id()),
        "data": data,
    }
    return cls(**fields)
