"""Request/reply contracts of reminder settings (提醒设置): a person's email address,
personal webhook, channels, lead times and quiet hours; an agency's defaults and webhook
endpoints; the delivery log an agency admin reads. docs/notifications.md."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from uuid import UUID

from pydantic import Field, field_validator

from contracts.compliance.enums import ReminderChannel, WebhookFormat
from contracts.core import Contract, Rpc

LEAD_DAYS_MIN, LEAD_DAYS_MAX = -30, 400
"""Lead times in days before a due date; negative: days overdue."""


class QuietHoursView(Contract):
    """Local hours (Asia/Shanghai) in which nothing is delivered; `start` after `end`
    spans midnight. Equal start and end: no quiet hours."""

    start: time
    end: time


class ReminderChoice(Contract):
    """Channels and lead times; a person's or the agency's default."""

    channels: list[ReminderChannel] = Field(max_length=3)
    lead_days: list[int] = Field(min_length=1, max_length=10)
    quiet_hours: QuietHoursView | None = Field(
        default=None, description="None: the default (22:00–08:00)."
    )

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[ReminderChannel]) -> list[ReminderChannel]:
        return list(dict.fromkeys(value))

    @field_validator("lead_days")
    @classmethod
    def _leads(cls, value: list[int]) -> list[int]:
        if any(d < LEAD_DAYS_MIN or d > LEAD_DAYS_MAX for d in value):
            raise ValueError("lead days lie between -30 and 400")
        return sorted(set(value), reverse=True)


class UpdateMySettingsRequest(Contract):
    person: str = Field(min_length=1, max_length=100)
    tenant: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    webhook_url: str | None = Field(default=None, max_length=2000)
    remind_all_units: bool = False
    choice: ReminderChoice | None = Field(
        default=None, description="None: follow the agency's default."
    )


class MySettingsRequest(Contract):
    person: str = Field(min_length=1, max_length=100)
    tenant: str = Field(min_length=1, max_length=100)


class MySettingsView(Contract):
    email: str | None
    webhook_url: str | None
    webhook_enabled: bool | None
    remind_all_units: bool
    channels: list[ReminderChannel]
    lead_days: list[int]
    quiet_hours: QuietHoursView
    source: str = Field(description="person, tenant (the agency's default) or library.")
    webhook_secret: str | None = Field(
        default=None,
        description="The new personal webhook's HMAC key: only in the reply that set the URL.",
    )


class SetAgencyDefaultsRequest(Contract):
    tenant: str = Field(min_length=1, max_length=100)
    choice: ReminderChoice


class AgencyDefaultsRequest(Contract):
    tenant: str = Field(min_length=1, max_length=100)


class AgencyDefaultsView(Contract):
    channels: list[ReminderChannel]
    lead_days: list[int]
    quiet_hours: QuietHoursView
    source: str


class RegisterAgencyWebhookRequest(Contract):
    tenant: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=2000)
    format: WebhookFormat = WebhookFormat.ECOHOST
    bot_secret: str = Field(
        default="",
        max_length=200,
        description="A DingTalk robot's 加签 secret (SEC…); empty for a robot secured by "
        "keywords or IP, and for every other format.",
    )


class WebhookView(Contract):
    id: UUID
    url: str
    enabled: bool
    consecutive_failures: int
    disabled_at: datetime | None
    last_error: str | None
    created_at: datetime
    format: WebhookFormat = WebhookFormat.ECOHOST


class WebhookRegistered(Contract):
    webhook: WebhookView
    secret: str | None = Field(
        description="Shown once: the HMAC key the receiver verifies with; None for a robot, "
        "which verifies nothing of ecohost's."
    )


class SetAgencyWebhookEnabledRequest(Contract):
    tenant: str = Field(min_length=1, max_length=100)
    webhook_id: UUID
    enabled: bool


class AgencyWebhooksRequest(Contract):
    tenant: str = Field(min_length=1, max_length=100)


class AgencyWebhooksReply(Contract):
    items: list[WebhookView]


class DeliveryLogRequest(Contract):
    tenant: str = Field(min_length=1, max_length=100)
    before_id: int | None = Field(default=None, ge=1)
    limit: int = Field(default=50, ge=1, le=200)


class DeliveryView(Contract):
    id: int
    notification_key: str
    recipient: str
    channel: ReminderChannel
    address: str | None = Field(description="Email address or webhook endpoint id.")
    attempt: int
    outcome: str
    error: str | None
    worker: str
    started_at: datetime
    finished_at: datetime


class DeliveryLogPage(Contract):
    items: list[DeliveryView]
    has_next: bool


SERVICE = "compliance"
UPDATE_MY_SETTINGS = Rpc(
    SERVICE, "update_my_notification_settings", UpdateMySettingsRequest, MySettingsView
)
MY_SETTINGS = Rpc(SERVICE, "my_notification_settings", MySettingsRequest, MySettingsView)
SET_AGENCY_DEFAULTS = Rpc(
    SERVICE, "set_agency_notification_defaults", SetAgencyDefaultsRequest, AgencyDefaultsView
)
AGENCY_DEFAULTS = Rpc(
    SERVICE, "agency_notification_defaults", AgencyDefaultsRequest, AgencyDefaultsView
)
REGISTER_AGENCY_WEBHOOK = Rpc(
    SERVICE, "register_agency_webhook", RegisterAgencyWebhookRequest, WebhookRegistered
)
SET_AGENCY_WEBHOOK_ENABLED = Rpc(
    SERVICE, "set_agency_webhook_enabled", SetAgencyWebhookEnabledRequest, WebhookView
)
AGENCY_WEBHOOKS = Rpc(SERVICE, "agency_webhooks", AgencyWebhooksRequest, AgencyWebhooksReply)
DELIVERY_LOG = Rpc(SERVICE, "notification_delivery_log", DeliveryLogRequest, DeliveryLogPage)

REMINDER_RPCS: tuple[Rpc[Any, Any], ...] = (
    UPDATE_MY_SETTINGS,
    MY_SETTINGS,
    SET_AGENCY_DEFAULTS,
    AGENCY_DEFAULTS,
    REGISTER_AGENCY_WEBHOOK,
    SET_AGENCY_WEBHOOK_ENABLED,
    AGENCY_WEBHOOKS,
    DELIVERY_LOG,
)
