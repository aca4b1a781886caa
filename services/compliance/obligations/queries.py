"""Reads of permits behind the request/reply subjects."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc as compliance_rpc
from services.compliance.obligations import repository
from services.compliance.obligations.views import permit_view


async def permits(
    session: AsyncSession, req: compliance_rpc.PermitsRequest
) -> compliance_rpc.PermitsReply:
    rows = await repository.permits_in_scope(session, req.unit_id, req.scope)
    return compliance_rpc.PermitsReply(items=[permit_view(r) for r in rows])
