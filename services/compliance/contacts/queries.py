"""Reads of reminder settings, the agency's webhook endpoints and its delivery log."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc_reminders as rpc
from kit import notify
from services.compliance.contacts import repository, views


async def my_settings(session: AsyncSession, req: rpc.MySettingsRequest) -> rpc.MySettingsView:
    row = await repository.get(session, req.tenant, req.person)
    tenant_row = await repository.get(session, req.tenant, repository.TENANT_ROW)
    prefs = await notify.get_preferences(session, req.tenant, req.person)
    endpoint = (
        await notify.get_webhook(session, req.tenant, row.webhook_id)
        if row is not None and row.webhook_id is not None
        else None
    )
    return views.my_settings(row, tenant_row, prefs, endpoint)


async def agency_defaults(
    session: AsyncSession, req: rpc.AgencyDefaultsRequest
) -> rpc.AgencyDefaultsView:
    prefs = await notify.get_preferences(session, req.tenant, repository.TENANT_ROW)
    tenant_row = await repository.get(session, req.tenant, repository.TENANT_ROW)
    return views.agency_defaults(prefs, tenant_row)


async def agency_webhooks(
    session: AsyncSession, req: rpc.AgencyWebhooksRequest
) -> rpc.AgencyWebhooksReply:
    """The agency's own endpoints (people's personal webhooks are theirs)."""
    personal = await repository.personal_webhook_ids(session, req.tenant)
    endpoints = await notify.list_webhooks(session, req.tenant)
    return rpc.AgencyWebhooksReply(
        items=[views.webhook(w) for w in endpoints if w.id not in personal]
    )


async def delivery_log(session: AsyncSession, req: rpc.DeliveryLogRequest) -> rpc.DeliveryLogPage:
    """Every attempt of the agency's reminders, newest first."""
    lines = await notify.delivery_log(
        session, req.tenant, before_id=req.before_id, limit=req.limit + 1
    )
    return rpc.DeliveryLogPage(
        items=[views.delivery(a) for a in lines[: req.limit]], has_next=len(lines) > req.limit
    )
