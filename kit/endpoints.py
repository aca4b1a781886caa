"""Adapters from use cases to RPC handlers: open the transaction, call, wake the relay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Contract
from kit import idempotency
from kit.rpc import CallContext, RawReply
from kit.runtime import ServiceRuntime

Req = TypeVar("Req", bound=Contract)
Resp = TypeVar("Resp", bound=Contract)


def command(
    runtime: ServiceRuntime,
    use_case: Callable[[AsyncSession, Req, CallContext], Awaitable[Resp | RawReply]],
) -> Callable[[Req, CallContext], Awaitable[Resp | RawReply]]:
    """A state-changing call: one transaction, and the relay is woken after commit.

    Sent with an idempotency key, it runs once per key (`kit.idempotency`): a retry gets
    the first answer. The use case may encode its answer itself (`kit.struct_encoding`):
    only a replayed answer, which wrote nothing, leaves the relay asleep."""

    async def handle(req: Req, ctx: CallContext) -> Resp | RawReply:
        answer = await idempotency.run_once(
            runtime.db,
            runtime.tables.idempotency,
            ctx,
            req,
            lambda session: use_case(session, req, ctx),
        )
        if not isinstance(answer, idempotency.Replayed):  # run now, not from memory
            runtime.committed()
        return answer

    return handle


def query(
    runtime: ServiceRuntime,
    use_case: Callable[[AsyncSession, Req], Awaitable[Resp | RawReply]],
) -> Callable[[Req, CallContext], Awaitable[Resp | RawReply]]:
    """A read-only call; its use case may encode its reply itself (`kit.struct_encoding`)."""

    async def handle(req: Req, ctx: CallContext) -> Resp | RawReply:
        async with runtime.db.transaction() as session:
            return await use_case(session, req)

    return handle
