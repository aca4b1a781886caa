"""Queries of reminder settings. Each checks casbin first; a denied read is empty
(null, an empty list or page), never an error."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from contracts.compliance import rpc_reminders as rpc
from contracts.core import ValidationFailed
from gateway.compliance.reminder_mutations import AGENCY_SETTINGS, OWN_SETTINGS
from gateway.compliance.reminder_types import (
    AgencyNotificationDefaults,
    NotificationDelivery,
    NotificationDeliveryPage,
    NotificationSettings,
    NotificationWebhook,
)
from gateway.context import Context

LOG = ("notification_log", "read")
MAX_LOG_PAGE = 200


@strawberry.type
class ReminderQueries:
    @strawberry.field(description="Your reminder settings; null if you may not have any.")
    async def my_notification_settings(
        self, info: Info[Context, None]
    ) -> NotificationSettings | None:
        ctx = info.context
        if not ctx.authorizer.can(*OWN_SETTINGS):
            return None
        p = ctx.principal
        view = await ctx.clients.compliance.my_notification_settings(
            rpc.MySettingsRequest(person=p.user_id, tenant=p.tenant)
        )
        return NotificationSettings.from_view(view)

    @strawberry.field(description="Agency admins: the agency's default reminder settings.")
    async def agency_notification_defaults(
        self, info: Info[Context, None]
    ) -> AgencyNotificationDefaults | None:
        ctx = info.context
        if not ctx.authorizer.can(*AGENCY_SETTINGS):
            return None
        view = await ctx.clients.compliance.agency_notification_defaults(
            rpc.AgencyDefaultsRequest(tenant=ctx.principal.tenant)
        )
        return AgencyNotificationDefaults.from_view(view)

    @strawberry.field(description="Agency admins: the agency's webhook endpoints.")
    async def agency_webhooks(self, info: Info[Context, None]) -> list[NotificationWebhook]:
        ctx = info.context
        if not ctx.authorizer.can(*AGENCY_SETTINGS):
            return []
        reply = await ctx.clients.compliance.agency_webhooks(
            rpc.AgencyWebhooksRequest(tenant=ctx.principal.tenant)
        )
        return [NotificationWebhook.from_view(w) for w in reply.items]

    @strawberry.field(
        description="Agency admins: every delivery attempt of the agency's reminders, "
        "newest first; `before` is the last `id` of the previous page. Null for others."
    )
    async def notification_delivery_log(
        self, info: Info[Context, None], first: int = 50, before: int | None = None
    ) -> NotificationDeliveryPage | None:
        ctx = info.context
        if not 0 < first <= MAX_LOG_PAGE:
            raise ValidationFailed(
                "first must be between 1 and {max}", field="first", params={"max": MAX_LOG_PAGE}
            )
        if not ctx.authorizer.can(*LOG):
            return None
        page = await ctx.clients.compliance.notification_delivery_log(
            rpc.DeliveryLogRequest(
                tenant=ctx.principal.tenant,
                before_id=before if before and before > 0 else None,
                limit=first,
            )
        )
        return NotificationDeliveryPage(
            items=[NotificationDelivery.from_view(a) for a in page.items], has_next=page.has_next
        )
