"""The NATS side of every GraphQL subscription: the messages of one subject, for as long
as the caller may have them.

A stream ends with `NOT_AUTHORIZED` (`token_expired`) when the token expires, message or
not; with `SERVICE_UNAVAILABLE` when the gateway loses NATS; and with `SLOW_CONSUMER`
when the client fell behind by more than the subscription's pending limits
(`subscription_pending_msgs` / `_bytes`) — closed rather than buffered in the gateway's
memory. Closing the stream unsubscribes from NATS: callers wrap it in
`contextlib.aclosing` so that happens when their own generator ends, not when the
garbage collector gets to it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, Callable

import nats.errors
from graphql import GraphQLError
from nats.aio.subscription import Subscription

from contracts.core import DomainError, ServiceUnavailable
from gateway.context import Context
from gateway.settings import GatewaySettings
from kit.auth import AuthError, AuthFailure

# How often an idle stream wakes to notice the token's expiry and dropped messages.
IDLE_CHECK_SECONDS = 1.0


class SlowConsumer(ServiceUnavailable):
    """The client did not keep up; the subscription was closed, not buffered."""

    code = "slow_consumer"


def token_expiry(ctx: Context) -> float | None:
    """When the token of the principal the subscription runs as expires, as a
    `time.time()` value; None for an anonymous caller. The verified `exp` travels on
    the principal, however it arrived (the handshake's header or `connection_init`)."""
    expires_at = ctx.principal.expires_at
    return None if expires_at is None else expires_at.timestamp()


def limits(ctx: Context) -> tuple[int, int]:
    """(pending messages, pending bytes) from the serving app's settings."""
    app = getattr(ctx.request, "app", None)
    state = getattr(getattr(app, "state", None), "gateway", None)
    settings = getattr(state, "settings", None)
    if not isinstance(settings, GatewaySettings):
        settings = GatewaySettings()
    return settings.subscription_pending_msgs, settings.subscription_pending_bytes


def closing(error: DomainError, request_id: str) -> GraphQLError:
    """The error a stream ends with once it has started: raised as a GraphQLError so it
    carries the same `code` and `requestId` extensions as any other expected error."""
    return GraphQLError(
        str(error),
        original_error=None,
        extensions={"code": error.code.upper(), "requestId": request_id, **error.details},
    )


def dropped(sub: Subscription, taken: int) -> int:
    """Messages NATS received for `sub` but threw away because its queue was full."""
    return sub.delivered - taken - sub.pending_msgs


async def live_messages(
    ctx: Context,
    subject: str,
    overflow: Callable[[int], SlowConsumer],
    pending: tuple[int, int],
) -> AsyncGenerator[bytes, None]:
    """The payloads published on `subject` from now on, for the subscription running as
    `ctx`, checked between messages as the module says; `overflow(lost)` is the error for
    a client that fell behind; `pending` its limits (`limits()` of the request)."""
    expires = token_expiry(ctx)
    nc = ctx.events()
    if nc is None or not nc.is_connected:
        raise ServiceUnavailable("the gateway is not connected to NATS")
    max_msgs, max_bytes = pending
    sub = await nc.subscribe(subject, pending_msgs_limit=max_msgs, pending_bytes_limit=max_bytes)
    taken = 0
    try:
        while True:
            wait = IDLE_CHECK_SECONDS
            if expires is not None:
                wait = min(wait, expires - time.time())
            msg = None
            if wait > 0:
                try:
                    msg = await sub.next_msg(timeout=wait)
                    taken += 1
                except nats.errors.TimeoutError:
                    pass
                except nats.errors.ConnectionClosedError:
                    lost_nats = ServiceUnavailable("the gateway lost its NATS connection")
                    raise closing(lost_nats, ctx.request_id) from None
            if expires is not None and time.time() >= expires:
                raise closing(AuthError(AuthFailure.TOKEN_EXPIRED), ctx.request_id)
            lost = dropped(sub, taken)
            if lost > 0:
                raise closing(overflow(lost), ctx.request_id)
            if msg is not None:
                yield msg.data
    finally:
        with contextlib.suppress(nats.errors.Error):  # a closed connection has none left
            await sub.unsubscribe()
