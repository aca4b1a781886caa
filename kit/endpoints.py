"""Adapters from use cases to RPC handlers: open the transaction, call, wake the relay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Contract
from kit.rpc import CallContext
from kit.runtime import ServiceRuntime

Req = TypeVar("Req", bound=Contract)
Resp = TypeVar("Resp", bound=Contract)


def command(
    runtime: ServiceRuntime,
    use_case: Callable[[AsyncSession, Req, CallContext], Awaitable[Resp]],
) -> Callable[[Req, CallContext], Awaitable[Resp]]:
    """A state-changing call: one transaction, and the relay is woken after commit."""

    async def handle(req: Req, ctx: CallContext) -> Resp:
        async with runtime.db.transaction() as session:
            result = await use_case(session, req, ctx)
        runtime.committed()
        return result

    return handle


def query(
    runtime: ServiceRuntime,
    use_case: Callable[[AsyncSession, Req], Awaitable[Resp]],
) -> Callable[[Req, CallContext], Awaitable[Resp]]:
    """A read-only call."""

    async def handle(req: Req, ctx: CallContext) -> Resp:
        async with runtime.db.transaction() as session:
            return await use_case(session, req)

    return handle
