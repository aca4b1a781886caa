"""GraphQL types of reminder settings (提醒设置), webhook endpoints and the delivery log."""

from __future__ import annotations

from datetime import datetime, time
from typing import Self

import strawberry

from contracts.compliance import rpc_reminders as rpc
from contracts.compliance.enums import ReminderChannel, WebhookFormat
from gateway.ids import encode_global_id

strawberry.enum(
    ReminderChannel, description="Where a reminder goes: the in-app inbox, email or a webhook."
)
strawberry.enum(
    WebhookFormat,
    description="What a webhook receives: ecohost's HMAC-signed JSON, or a 钉钉 (DingTalk) / "
    "企业微信 (WeCom) group robot's text message.",
)

WEBHOOK_NODE = "NotificationWebhook"


@strawberry.type(description="Local hours (Asia/Shanghai) in which no reminder is delivered.")
class QuietHours:
    start: time
    end: time

    @classmethod
    def from_view(cls, v: rpc.QuietHoursView) -> Self:
        return cls(start=v.start, end=v.end)


@strawberry.type(description="Where and when your reminders reach you.")
class NotificationSettings:
    email: str | None
    webhook_url: str | None
    webhook_enabled: bool | None = strawberry.field(
        description="False once the webhook failed too often; set the URL again to resume."
    )
    remind_all_units: bool = strawberry.field(
        description="Reminded of every unit of your agency, not only the units whose "
        "permits you registered."
    )
    channels: list[ReminderChannel]
    lead_days: list[int] = strawberry.field(
        description="Days before a due date (negative: days overdue), added to each "
        "rule's own lead times."
    )
    quiet_hours: QuietHours
    source: str = strawberry.field(
        description="person (your choice), tenant (the agency's default) or library."
    )

    @classmethod
    def from_view(cls, v: rpc.MySettingsView) -> Self:
        return cls(
            email=v.email,
            webhook_url=v.webhook_url,
            webhook_enabled=v.webhook_enabled,
            remind_all_units=v.remind_all_units,
            channels=list(v.channels),
            lead_days=list(v.lead_days),
            quiet_hours=QuietHours.from_view(v.quiet_hours),
            source=v.source,
        )


@strawberry.type(description="The agency's default channels, lead times and quiet hours.")
class AgencyNotificationDefaults:
    channels: list[ReminderChannel]
    lead_days: list[int]
    quiet_hours: QuietHours
    source: str

    @classmethod
    def from_view(cls, v: rpc.AgencyDefaultsView) -> Self:
        return cls(
            channels=list(v.channels),
            lead_days=list(v.lead_days),
            quiet_hours=QuietHours.from_view(v.quiet_hours),
            source=v.source,
        )


@strawberry.type(
    description="One of the agency's webhook endpoints (钉钉/企业微信 bots, other systems); "
    "disabled after repeated failure until enabled again."
)
class NotificationWebhook:
    id: strawberry.ID
    url: str
    enabled: bool
    consecutive_failures: int
    disabled_at: datetime | None
    last_error: str | None
    created_at: datetime
    format: WebhookFormat

    @classmethod
    def from_view(cls, v: rpc.WebhookView) -> Self:
        return cls(
            id=strawberry.ID(encode_global_id(WEBHOOK_NODE, v.id)),
            url=v.url,
            enabled=v.enabled,
            consecutive_failures=v.consecutive_failures,
            disabled_at=v.disabled_at,
            last_error=v.last_error,
            created_at=v.created_at,
            format=v.format,
        )


@strawberry.type(description="One delivery attempt of a reminder.")
class NotificationDelivery:
    id: int = strawberry.field(description="Newest first; pass as `before` for the next page.")
    notification_key: str
    recipient: str
    channel: ReminderChannel
    address: str | None = strawberry.field(description="Email address or webhook endpoint id.")
    attempt: int
    outcome: str = strawberry.field(
        description="sent, retry, failed, interrupted (its worker stopped mid-send) or lease_lost."
    )
    error: str | None
    worker: str
    started_at: datetime
    finished_at: datetime

    @classmethod
    def from_view(cls, v: rpc.DeliveryView) -> Self:
        return cls(
            id=v.id,
            notification_key=v.notification_key,
            recipient=v.recipient,
            channel=v.channel,
            address=v.address,
            attempt=v.attempt,
            outcome=v.outcome,
            error=v.error,
            worker=v.worker,
            started_at=v.started_at,
            finished_at=v.finished_at,
        )


@strawberry.type
class NotificationDeliveryPage:
    items: list[NotificationDelivery]
    has_next: bool
