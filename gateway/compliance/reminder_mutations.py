"""Mutations of reminder settings: a person's own (`notification_settings, manage`:
agency staff), the agency's defaults and webhook endpoints (`notification_defaults,
manage`: agency admins). The person and tenant are always the caller's, from the token."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from contracts.compliance import rpc_reminders as rpc
from contracts.compliance.enums import ReminderChannel, WebhookFormat
from gateway.compliance.errors import (
    ChannelWithoutAddress,
    InvalidEmailAddress,
    InvalidWebhookUrl,
    WebhookEndpointNotFound,
)
from gateway.compliance.reminder_types import (
    WEBHOOK_NODE,
    AgencyNotificationDefaults,
    NotificationSettings,
    NotificationWebhook,
)
from gateway.context import Context
from gateway.errors import CommonErrors
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation

OWN_SETTINGS = ("notification_settings", "manage")
AGENCY_SETTINGS = ("notification_defaults", "manage")


@strawberry.type
class NotificationSettingsSuccess:
    settings: NotificationSettings
    webhook_secret: str | None = strawberry.field(
        description="Only when this call set a new webhook URL: the HMAC key the receiver "
        "verifies `X-Ecohost-Signature` with (shown once)."
    )


@strawberry.type
class AgencyNotificationDefaultsSuccess:
    defaults: AgencyNotificationDefaults


@strawberry.type
class RegisterAgencyWebhookSuccess:
    webhook: NotificationWebhook
    secret: str | None = strawberry.field(
        description="The HMAC key, shown once; null for a 钉钉/企业微信 robot, which checks "
        "its own secret, not ecohost's."
    )


@strawberry.type
class NotificationWebhookSuccess:
    webhook: NotificationWebhook


UpdateMyNotificationSettingsResult = Annotated[
    NotificationSettingsSuccess
    | InvalidEmailAddress
    | InvalidWebhookUrl
    | ChannelWithoutAddress
    | CommonErrors,
    strawberry.union("UpdateMyNotificationSettingsResult"),
]
UPDATE_MY_SETTINGS: ResultUnion[UpdateMyNotificationSettingsResult] = ResultUnion(
    UpdateMyNotificationSettingsResult
)
SetAgencyNotificationDefaultsResult = Annotated[
    AgencyNotificationDefaultsSuccess | CommonErrors,
    strawberry.union("SetAgencyNotificationDefaultsResult"),
]
SET_AGENCY_DEFAULTS: ResultUnion[SetAgencyNotificationDefaultsResult] = ResultUnion(
    SetAgencyNotificationDefaultsResult
)
RegisterAgencyWebhookResult = Annotated[
    RegisterAgencyWebhookSuccess | InvalidWebhookUrl | CommonErrors,
    strawberry.union("RegisterAgencyWebhookResult"),
]
REGISTER_AGENCY_WEBHOOK: ResultUnion[RegisterAgencyWebhookResult] = ResultUnion(
    RegisterAgencyWebhookResult
)
SetAgencyWebhookEnabledResult = Annotated[
    NotificationWebhookSuccess | WebhookEndpointNotFound | CommonErrors,
    strawberry.union("SetAgencyWebhookEnabledResult"),
]
SET_AGENCY_WEBHOOK_ENABLED: ResultUnion[SetAgencyWebhookEnabledResult] = ResultUnion(
    SetAgencyWebhookEnabledResult
)


@strawberry.input(description="Local hours (Asia/Shanghai); start after end spans midnight.")
class QuietHoursInput:
    start: time
    end: time


@strawberry.input(description="Channels and lead times of reminders.")
class ReminderChoiceInput:
    channels: list[ReminderChannel]
    lead_days: list[int] = strawberry.field(
        description="Days before a due date, -30 to 400 (negative: days overdue); added "
        "to each rule's own lead times."
    )
    quiet_hours: QuietHoursInput | None = strawberry.field(
        default=None, description="Default: the agency's, else 22:00–08:00."
    )


@strawberry.input(description="Your reminder settings; what you leave out is cleared.")
class UpdateMyNotificationSettingsInput:
    email: str | None = None
    webhook_url: str | None = strawberry.field(
        default=None, description="A 钉钉/企业微信 bot or another https endpoint."
    )
    remind_all_units: bool = strawberry.field(
        default=False, description="Be reminded of every unit of your agency."
    )
    choice: ReminderChoiceInput | None = strawberry.field(
        default=None, description="Default: the agency's default."
    )


@strawberry.input
class SetAgencyNotificationDefaultsInput:
    choice: ReminderChoiceInput


@strawberry.input
class RegisterAgencyWebhookInput:
    url: str = strawberry.field(
        description="The receiver's https URL; a robot's webhook address as 钉钉/企业微信 "
        "shows it (with its access_token or key)."
    )
    format: WebhookFormat = strawberry.field(
        default=WebhookFormat.ECOHOST, description="Default: ecohost's signed JSON."
    )
    bot_secret: str = strawberry.field(
        default="",
        description="A 钉钉 robot's 加签 secret (SEC…), if the robot uses 加签; refused for "
        "other formats.",
    )


@strawberry.input
class SetAgencyWebhookEnabledInput:
    webhook_id: strawberry.ID
    enabled: bool


def _choice(value: ReminderChoiceInput | None) -> dict[str, Any] | None:
    """As data, validated with the request that holds it, so that a refused value is
    named by its whole path (`choice.leadDays`)."""
    if value is None:
        return None
    quiet = value.quiet_hours
    return {
        "channels": list(value.channels),
        "lead_days": list(value.lead_days),
        "quiet_hours": {"start": quiet.start, "end": quiet.end} if quiet else None,
    }


@strawberry.type
class ReminderMutations:
    @strawberry.mutation(
        description="Your email address, webhook, channels, lead times and quiet hours for "
        "the calendar's reminders."
    )
    async def update_my_notification_settings(
        self, info: Info[Context, None], input: UpdateMyNotificationSettingsInput
    ) -> UpdateMyNotificationSettingsResult:
        ctx = info.context
        p = ctx.principal
        return await run_mutation(
            info,
            UPDATE_MY_SETTINGS,
            OWN_SETTINGS,
            request=lambda: rpc.UpdateMySettingsRequest.model_validate(
                {
                    "person": p.user_id,
                    "tenant": p.tenant,
                    "email": input.email,
                    "webhook_url": input.webhook_url,
                    "remind_all_units": input.remind_all_units,
                    "choice": _choice(input.choice),
                }
            ),
            send=ctx.clients.compliance.update_my_notification_settings,
            success=lambda v: NotificationSettingsSuccess(
                settings=NotificationSettings.from_view(v), webhook_secret=v.webhook_secret
            ),
        )

    @strawberry.mutation(
        description="Agency admins: the channels, lead times and quiet hours of everyone "
        "in the agency who has not chosen."
    )
    async def set_agency_notification_defaults(
        self, info: Info[Context, None], input: SetAgencyNotificationDefaultsInput
    ) -> SetAgencyNotificationDefaultsResult:
        ctx = info.context

        def request() -> rpc.SetAgencyDefaultsRequest:
            return rpc.SetAgencyDefaultsRequest.model_validate(
                {"tenant": ctx.principal.tenant, "choice": _choice(input.choice)}
            )

        return await run_mutation(
            info,
            SET_AGENCY_DEFAULTS,
            AGENCY_SETTINGS,
            request=request,
            send=ctx.clients.compliance.set_agency_notification_defaults,
            success=lambda v: AgencyNotificationDefaultsSuccess(
                defaults=AgencyNotificationDefaults.from_view(v)
            ),
        )

    @strawberry.mutation(
        description="Agency admins: a webhook receiving every reminder of the agency's "
        "units: ecohost's HMAC-signed JSON (the secret is shown once), or a 钉钉/企业微信 "
        "group robot's text message."
    )
    async def register_agency_webhook(
        self, info: Info[Context, None], input: RegisterAgencyWebhookInput
    ) -> RegisterAgencyWebhookResult:
        ctx = info.context
        return await run_mutation(
            info,
            REGISTER_AGENCY_WEBHOOK,
            AGENCY_SETTINGS,
            request=lambda: rpc.RegisterAgencyWebhookRequest(
                tenant=ctx.principal.tenant,
                url=input.url,
                format=input.format,
                bot_secret=input.bot_secret,
            ),
            send=ctx.clients.compliance.register_agency_webhook,
            success=lambda v: RegisterAgencyWebhookSuccess(
                webhook=NotificationWebhook.from_view(v.webhook), secret=v.secret
            ),
        )

    @strawberry.mutation(
        description="Agency admins: enable a webhook again (its failures count from zero) "
        "or disable it."
    )
    async def set_agency_webhook_enabled(
        self, info: Info[Context, None], input: SetAgencyWebhookEnabledInput
    ) -> SetAgencyWebhookEnabledResult:
        ctx = info.context
        return await run_mutation(
            info,
            SET_AGENCY_WEBHOOK_ENABLED,
            AGENCY_SETTINGS,
            request=lambda: rpc.SetAgencyWebhookEnabledRequest(
                tenant=ctx.principal.tenant,
                webhook_id=decode_global_id(str(input.webhook_id), WEBHOOK_NODE, field="webhookId"),
                enabled=input.enabled,
            ),
            send=ctx.clients.compliance.set_agency_webhook_enabled,
            success=lambda v: NotificationWebhookSuccess(webhook=NotificationWebhook.from_view(v)),
        )
