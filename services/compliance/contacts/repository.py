"""All SQL of reminder contacts (the `notification_contact` table); kit.notify keeps
the preferences, webhook endpoints and delivery log."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.compliance.models import NotificationContact

TENANT_ROW = "*"
"""The person of the row holding an agency's default quiet hours."""


async def get(session: AsyncSession, tenant: str, person: str) -> NotificationContact | None:
    return await session.get(NotificationContact, (tenant, person))


async def of_people(
    session: AsyncSession, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], NotificationContact]:
    """Contacts of (tenant, person) pairs, and the tenants' default rows."""
    wanted = set(pairs)
    wanted |= {(tenant, TENANT_ROW) for tenant, _ in wanted}
    if not wanted:
        return {}
    c = NotificationContact
    query = select(c).where(tuple_(c.tenant, c.person).in_(sorted(wanted)))
    return {(row.tenant, row.person): row for row in (await session.execute(query)).scalars()}


async def followers(session: AsyncSession, tenants: Iterable[str]) -> dict[str, set[str]]:
    """Per tenant, the people who asked to be reminded of every unit of their agency."""
    c = NotificationContact
    query = select(c.tenant, c.person).where(
        c.tenant.in_(sorted(set(tenants))), c.remind_all_units.is_(True)
    )
    found: dict[str, set[str]] = {}
    for tenant, person in await session.execute(query):
        found.setdefault(tenant, set()).add(person)
    return found


async def personal_webhook_ids(session: AsyncSession, tenant: str) -> set[UUID]:
    c = NotificationContact
    query = select(c.webhook_id).where(c.tenant == tenant, c.webhook_id.is_not(None))
    return {w for (w,) in await session.execute(query) if w is not None}
