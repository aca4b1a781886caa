"""Use cases of reminder settings: a person's address, webhook, channels, lead times and
quiet hours; an agency's defaults and webhook endpoints. Preferences (channels, lead
times) and endpoints are kit.notify's; addresses and quiet hours are ours."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc_reminders as rpc
from contracts.compliance.enums import ReminderChannel, WebhookFormat
from contracts.compliance.errors import ChannelWithoutAddress, WebhookEndpointNotFound
from kit import notify
from kit.notify import Channel, Preferences, WebhookEndpoint
from kit.rpc import CallContext
from services.compliance.contacts import domain, repository, views
from services.compliance.models import NotificationContact


def _preferences(choice: rpc.ReminderChoice) -> Preferences:
    return Preferences(
        channels=tuple(Channel(str(c)) for c in choice.channels),
        lead_days=tuple(choice.lead_days),
    )


def _set_quiet(row: NotificationContact, choice: rpc.ReminderChoice | None) -> None:
    q = choice.quiet_hours if choice else None
    row.quiet_start = domain.clock_text(q.start) if q else None
    row.quiet_end = domain.clock_text(q.end) if q else None


async def _contact_row(session: AsyncSession, tenant: str, person: str) -> NotificationContact:
    row = await repository.get(session, tenant, person)
    if row is None:
        row = NotificationContact(tenant=tenant, person=person, remind_all_units=False)
        session.add(row)
    return row


async def _personal_webhook(
    session: AsyncSession, row: NotificationContact, url: str | None
) -> tuple[WebhookEndpoint | None, str | None]:
    """The person's endpoint for `url`: kept (and enabled again) if unchanged, else the
    old one disabled and a new one registered with a fresh secret (returned once)."""
    old = await notify.get_webhook(session, row.tenant, row.webhook_id) if row.webhook_id else None
    if old is not None and url == old.url:
        if not old.enabled:
            await notify.set_webhook_enabled(session, row.tenant, old.id, True)
            old = await notify.get_webhook(session, row.tenant, old.id)
        return old, None
    if old is not None:
        await notify.set_webhook_enabled(session, row.tenant, old.id, False)
    row.webhook_id = None
    if url is None:
        return None, None
    secret = secrets.token_urlsafe(32)
    endpoint = await notify.register_webhook(session, row.tenant, url, secret)
    row.webhook_id = endpoint.id
    return endpoint, secret


async def update_my_settings(
    session: AsyncSession,
    req: rpc.UpdateMySettingsRequest,
    ctx: CallContext,
    *,
    allow_http: bool = False,
    allow_private: bool = False,
) -> rpc.MySettingsView:
    email = domain.email_address(req.email) if req.email else None
    url = (
        domain.webhook_url(req.webhook_url, allow_http=allow_http, allow_private=allow_private)
        if req.webhook_url
        else None
    )
    if req.choice is not None:
        chosen = set(req.choice.channels)
        if ReminderChannel.EMAIL in chosen and email is None:
            raise ChannelWithoutAddress(
                "email reminders need an email address", field="email", details={"channel": "email"}
            )
        if ReminderChannel.WEBHOOK in chosen and url is None:
            raise ChannelWithoutAddress(
                "webhook reminders need a webhook URL",
                field="webhook_url",
                details={"channel": "webhook"},
            )
    row = await _contact_row(session, req.tenant, req.person)
    row.email = email
    row.remind_all_units = req.remind_all_units
    row.updated_at = datetime.now(UTC)
    _set_quiet(row, req.choice)
    endpoint, secret = await _personal_webhook(session, row, url)
    if req.choice is None:
        await notify.clear_preferences(session, req.tenant, req.person)
    else:
        await notify.set_preferences(session, req.tenant, req.person, _preferences(req.choice))
    await session.flush()
    prefs = await notify.get_preferences(session, req.tenant, req.person)
    tenant_row = await repository.get(session, req.tenant, repository.TENANT_ROW)
    return views.my_settings(row, tenant_row, prefs, endpoint, secret)


async def set_agency_defaults(
    session: AsyncSession, req: rpc.SetAgencyDefaultsRequest, ctx: CallContext
) -> rpc.AgencyDefaultsView:
    await notify.set_tenant_defaults(session, req.tenant, _preferences(req.choice))
    row = await _contact_row(session, req.tenant, repository.TENANT_ROW)
    row.updated_at = datetime.now(UTC)
    _set_quiet(row, req.choice)
    await session.flush()
    prefs = await notify.get_preferences(session, req.tenant, repository.TENANT_ROW)
    return views.agency_defaults(prefs, row)


async def register_agency_webhook(
    session: AsyncSession,
    req: rpc.RegisterAgencyWebhookRequest,
    ctx: CallContext,
    *,
    allow_http: bool = False,
    allow_private: bool = False,
) -> rpc.WebhookRegistered:
    url = domain.webhook_url(
        req.url, allow_http=allow_http, allow_private=allow_private, field="url"
    )
    secret = domain.bot_secret(req.format, req.bot_secret)
    ours = req.format is WebhookFormat.ECOHOST
    if ours:
        secret = secrets.token_urlsafe(32)
    endpoint = await notify.register_webhook(
        session, req.tenant, url, secret, notify.WebhookFormat(req.format.value)
    )
    # A robot checks its own secret (DingTalk's 加签), never ours: none is shown.
    return rpc.WebhookRegistered(webhook=views.webhook(endpoint), secret=secret if ours else None)


async def set_agency_webhook_enabled(
    session: AsyncSession, req: rpc.SetAgencyWebhookEnabledRequest, ctx: CallContext
) -> rpc.WebhookView:
    """Enable (failures counted from zero again) or disable one of the agency's
    endpoints; a person's own webhook is theirs to change, and reads as not found."""
    personal = await repository.personal_webhook_ids(session, req.tenant)
    endpoint = await notify.get_webhook(session, req.tenant, req.webhook_id)
    if endpoint is None or endpoint.id in personal:
        raise WebhookEndpointNotFound("no such webhook endpoint", field="webhook_id")
    await notify.set_webhook_enabled(session, req.tenant, endpoint.id, req.enabled)
    changed = await notify.get_webhook(session, req.tenant, endpoint.id)
    assert changed is not None
    return views.webhook(changed)
