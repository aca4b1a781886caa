"""A unit entered through the registry's command, for tests that call commands directly."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import rpc_directory
from kit.rpc import CallContext
from services.engagement.registry import commands


async def entered_unit(
    session: AsyncSession, req: rpc_directory.CreateUnitRequest, ctx: CallContext
) -> rpc_directory.UnitView:
    """The new unit (and its agency's link, if an agency entered it)."""
    reply = await commands.create_unit(session, req, ctx)
    assert reply.unit is not None, reply
    return reply.unit
