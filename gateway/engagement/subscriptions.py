"""Live updates: an engagement's events as they happen, over graphql-transport-ws.

Fed from NATS: every event the services publish passes through the gateway's
connection; a subscription keeps those of one engagement. The caller must be
allowed to read that engagement's trace, checked like a query (a denied or
missing engagement is `ENGAGEMENT_NOT_FOUND`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from contracts.envelope import EVENT_SUBJECT_PREFIX, EventEnvelope
from contracts.errors import EngagementNotFound
from gateway.context import Context
from gateway.ids import decode_global_id
from kit.errors import ServiceUnavailable, ValidationFailed


@strawberry.type(description="One event of an engagement, as the services published it.")
class EngagementEvent:
    event_id: str
    type: str = strawberry.field(description="e.g. `engagement.plan_confirmed.v1`.")
    occurred_at: datetime
    actor: str
    data: JSON


@strawberry.type
class EngagementSubscriptions:
    @strawberry.subscription(description="Events of one engagement as they happen.")
    async def engagement_events(
        self, info: Info[Context, None], engagement_id: strawberry.ID
    ) -> AsyncGenerator[EngagementEvent, None]:
        ctx = info.context.for_subscription()
        try:
            uuid = decode_global_id(engagement_id, "Engagement", field="engagementId")
        except ValidationFailed:
            raise EngagementNotFound("no such engagement", field="engagementId") from None
        visible = ctx.authorizer.can("trace", "read") and ctx.authorizer.can("engagement", "read")
        if not visible or await ctx.loaders.engagements.load(uuid) is None:
            raise EngagementNotFound("no such engagement", field="engagementId")
        nc = ctx.events()
        if nc is None or not nc.is_connected:
            raise ServiceUnavailable("the gateway is not connected to NATS")
        sub = await nc.subscribe(EVENT_SUBJECT_PREFIX + ">")
        try:
            async for msg in sub.messages:
                try:
                    event = EventEnvelope.model_validate_json(msg.data)
                except ValueError:
                    continue  # not an event; nothing a client could use
                if event.engagement_id != uuid:
                    continue
                yield EngagementEvent(
                    event_id=str(event.event_id),
                    type=event.type,
                    occurred_at=event.occurred_at,
                    actor=event.actor,
                    data=cast(JSON, json.loads(msg.data).get("data", {})),
                )
        finally:
            await sub.unsubscribe()
