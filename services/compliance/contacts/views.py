"""Reply shapes of reminder settings, webhook endpoints and the delivery log."""

from __future__ import annotations

from contracts.compliance import rpc_reminders as rpc
from contracts.compliance.enums import ReminderChannel, WebhookFormat
from kit.notify import DeliveryAttempt, Preferences, QuietHours, WebhookEndpoint
from services.compliance.contacts.domain import quiet_hours
from services.compliance.models import NotificationContact


def quiet_view(q: QuietHours) -> rpc.QuietHoursView:
    return rpc.QuietHoursView(start=q.start, end=q.end)


def effective_quiet(
    own: NotificationContact | None, tenant_row: NotificationContact | None
) -> QuietHours:
    """The person's quiet hours, else the agency's, else 22:00–08:00."""
    for row in (own, tenant_row):
        if row is not None and (q := quiet_hours(row.quiet_start, row.quiet_end)) is not None:
            return q
    return QuietHours()


def my_settings(
    contact: NotificationContact | None,
    tenant_row: NotificationContact | None,
    prefs: Preferences,
    webhook: WebhookEndpoint | None,
    secret: str | None = None,
) -> rpc.MySettingsView:
    return rpc.MySettingsView(
        email=contact.email if contact else None,
        webhook_url=webhook.url if webhook else None,
        webhook_enabled=webhook.enabled if webhook else None,
        remind_all_units=bool(contact and contact.remind_all_units),
        channels=[ReminderChannel(str(c)) for c in prefs.channels],
        lead_days=list(prefs.lead_days),
        quiet_hours=quiet_view(effective_quiet(contact, tenant_row)),
        source=prefs.source,
        webhook_secret=secret,
    )


def agency_defaults(
    prefs: Preferences, tenant_row: NotificationContact | None
) -> rpc.AgencyDefaultsView:
    """`prefs` are read for the agency's own default row, where kit.notify calls them
    the "person"'s: to the admin they are the agency's default."""
    return rpc.AgencyDefaultsView(
        channels=[ReminderChannel(str(c)) for c in prefs.channels],
        lead_days=list(prefs.lead_days),
        quiet_hours=quiet_view(effective_quiet(None, tenant_row)),
        source="tenant" if prefs.source in ("person", "tenant") else prefs.source,
    )


def webhook(w: WebhookEndpoint) -> rpc.WebhookView:
    return rpc.WebhookView(
        id=w.id,
        url=w.url,
        enabled=w.enabled,
        consecutive_failures=w.consecutive_failures,
        disabled_at=w.disabled_at,
        last_error=w.last_error,
        created_at=w.created_at,
        format=WebhookFormat(w.format.value),
    )


def delivery(a: DeliveryAttempt) -> rpc.DeliveryView:
    return rpc.DeliveryView(
        id=a.id,
        notification_key=a.notification_key,
        recipient=a.recipient,
        channel=ReminderChannel(str(a.channel)),
        address=a.address,
        attempt=a.attempt,
        outcome=str(a.outcome),
        error=a.error,
        worker=a.worker,
        started_at=a.started_at,
        finished_at=a.finished_at,
    )
