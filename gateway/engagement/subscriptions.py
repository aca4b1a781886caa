"""Live updates: an engagement's events as they happen, over graphql-transport-ws.

Fed from NATS: every event the services publish passes through the gateway's
connection; a subscription keeps those of one engagement. The caller must be
allowed to read that engagement's trace, checked like a query (a denied or
missing engagement is `ENGAGEMENT_NOT_FOUND`).

Checked again for every event, cheaply (no casbin call after the first of each
kind, no network): the token must not have expired — the stream ends with
`NOT_AUTHORIZED` (`token_expired`) when it does, event or not — and events of a
kind the caller may not read (scorecards, archive items) are skipped. An archive
action is further shown only with the items whose audience (carried in the event,
decided by the archive's own visibility rule) admits the caller — clearance at least
the item's level, the caller's agency or unit among those that see it — and skipped
when none does.

Back-pressure: the NATS subscription holds at most `subscription_pending_msgs`
events or `subscription_pending_bytes` bytes the client has not taken yet. A
client that falls further behind loses the subscription with `SLOW_CONSUMER`
rather than growing the gateway's memory; it may subscribe again and re-read
what it missed from the engagement's `trace`. Completing the subscription or
closing the socket unsubscribes from NATS.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from contracts.archive.events import ArchiveActionV1
from contracts.archive.rpc_catalogue import Caller
from contracts.core import (
    EVERY_EVENT_SUBJECT,
    EventEnvelope,
    ValidationFailed,
    event_type,
)
from contracts.engagement.errors import EngagementNotFound
from gateway.archive.access import caller_of
from gateway.authz.authorizer import Authorizer
from gateway.context import Context
from gateway.ids import decode_global_id
from gateway.live import SlowConsumer, limits, live_messages

# What a caller must be allowed to read to see an event, by the service that
# published it (the type's first part). Unknown services: nobody.
EVENT_PERMISSIONS: dict[str, tuple[str, str]] = {
    "engagement": ("engagement", "read"),
    "evaluation": ("scorecard", "read"),
    "archive": ("archive_item", "read"),
}


@strawberry.type(description="One event of an engagement, as the services published it.")
class EngagementEvent:
    event_id: str
    type: str = strawberry.field(description="e.g. `engagement.plan_confirmed.v1`.")
    occurred_at: datetime
    actor: str
    data: JSON


def may_read(authorizer: Authorizer, event_type: str) -> bool:
    """Whether the caller may see events of this type (memoised by the authorizer)."""
    permission = EVENT_PERMISSIONS.get(event_type.partition(".")[0])
    return permission is not None and authorizer.can(*permission)


# Event fields that say what the agency is paid: only the fee terms' readers see them.
FEE_FIELDS = frozenset({"fee_terms", "settlement_percent", "settlement_amount"})


def without_fees(authorizer: Authorizer, data: dict[str, object]) -> dict[str, object]:
    if authorizer.can("fee_terms", "read"):
        return data
    return {k: v for k, v in data.items() if k not in FEE_FIELDS}


def archive_action_for(caller: Caller, raw: bytes) -> dict[str, object] | None:
    """An `archive.action.v1` event's data with only the items the caller may see (their
    ids, hashes and audiences), or None when it may see none of them. An event that does
    not carry an audience for every item shows nothing (never guessed)."""
    try:
        data = ArchiveActionV1.model_validate_json(raw).data
    except ValueError:
        return None
    if not len(data.audiences) == len(data.sha256) == len(data.item_ids):
        return None
    shown = [n for n, audience in enumerate(data.audiences) if audience.admits(caller)]
    if not shown:
        return None
    visible = data.model_copy(
        update={
            "item_ids": [data.item_ids[n] for n in shown],
            "sha256": [data.sha256[n] for n in shown],
            "audiences": [data.audiences[n] for n in shown],
        }
    )
    return cast(dict[str, object], visible.model_dump(mode="json"))


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
        caller = caller_of(ctx)

        def overflow(lost: int) -> SlowConsumer:
            return SlowConsumer(
                "the subscription fell behind by {lost} events and was closed; "
                "subscribe again and read what was missed from the engagement's trace",
                params={"lost": lost},
            )

        stream = live_messages(ctx, EVERY_EVENT_SUBJECT, overflow, limits(info.context))
        async with contextlib.aclosing(stream) as messages:
            async for raw in messages:
                try:
                    event = EventEnvelope.model_validate_json(raw)
                except ValueError:
                    continue  # not an event; nothing a client could use
                if event.engagement_id != uuid or not may_read(ctx.authorizer, event.type):
                    continue
                if event.type == event_type(ArchiveActionV1):
                    data = archive_action_for(caller, raw)
                    if data is None:
                        continue
                else:
                    data = without_fees(ctx.authorizer, json.loads(raw).get("data", {}))
                yield EngagementEvent(
                    event_id=str(event.event_id),
                    type=event.type,
                    occurred_at=event.occurred_at,
                    actor=event.actor,
                    data=cast(JSON, data),
                )
