"""Live in-app reminders: the compliance service's `compliance.notification.v1` events
(kit.notify's in-app channel, published once through its outbox) addressed to the
caller, as they are delivered. Only the caller's own: same tenant, same person.

Like `engagementEvents`: the token's expiry ends the stream (`NOT_AUTHORIZED`), a client
that falls behind loses it (`SLOW_CONSUMER`) and may re-read what it missed from
`myWork`; completing it or closing the socket unsubscribes from NATS."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Any, Self

import strawberry
from strawberry.types import Info

from contracts.core import EVENT_SUBJECT_PREFIX, EventEnvelope, NotAuthorized
from gateway.compliance.reminder_mutations import OWN_SETTINGS
from gateway.context import Context
from gateway.ids import encode_global_id
from gateway.live import SlowConsumer, closing, limits, live_messages

SUBJECT = EVENT_SUBJECT_PREFIX + "compliance.notification.v1"


@strawberry.type(description="An in-app reminder delivered to you.")
class Reminder:
    key: str = strawberry.field(description="Once per occurrence, person, lead time, channel.")
    subject: str
    body: str
    due_at: datetime = strawberry.field(description="When it was due to be delivered.")
    occurrence_id: strawberry.ID | None
    unit_id: strawberry.ID | None
    due_date: date | None = strawberry.field(description="The obligation's due date.")
    lead_days: int | None

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> Self:
        about: dict[str, Any] = data.get("data") or {}
        occurrence, unit, due = (about.get(k) for k in ("occurrence_id", "unit_id", "due_date"))
        lead = about.get("lead_days")
        return cls(
            key=str(data["key"]),
            subject=str(data["subject"]),
            body=str(data["body"]),
            due_at=datetime.fromisoformat(str(data["due_at"])),
            occurrence_id=strawberry.ID(encode_global_id("Occurrence", occurrence))
            if occurrence
            else None,
            unit_id=strawberry.ID(encode_global_id("Unit", unit)) if unit else None,
            due_date=date.fromisoformat(due) if due else None,
            lead_days=int(lead) if lead is not None else None,
        )


def _mine(event: EventEnvelope, tenant: str, person: str) -> bool:
    return event.tenant == tenant and event.data.get("recipient") == person


@strawberry.type
class ReminderSubscriptions:
    @strawberry.subscription(
        description="Your in-app reminders of the compliance calendar, as they are delivered."
    )
    async def my_reminders(self, info: Info[Context, None]) -> AsyncGenerator[Reminder, None]:
        ctx = info.context.for_subscription()
        if not ctx.authorizer.can(*OWN_SETTINGS):
            raise closing(NotAuthorized("you have no reminders"), ctx.request_id)
        tenant, person = ctx.principal.tenant, ctx.principal.user_id

        def overflow(lost: int) -> SlowConsumer:
            return SlowConsumer(
                "the subscription fell behind by {lost} reminders and was closed; "
                "subscribe again and read what is due in myWork",
                params={"lost": lost},
            )

        stream = live_messages(ctx, SUBJECT, overflow, limits(info.context))
        async with contextlib.aclosing(stream) as messages:
            async for raw in messages:
                try:
                    event = EventEnvelope.model_validate_json(raw)
                    if not _mine(event, tenant, person):
                        continue
                    reminder = Reminder.from_event(event.data)
                except (ValueError, KeyError):
                    continue  # not a reminder a client could use
                yield reminder
