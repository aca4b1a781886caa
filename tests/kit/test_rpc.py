"""Typed request/reply over a real NATS: results, typed errors, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import structlog
from nats.aio.client import Client

from contracts.core import Contract, RemoteError, Rpc, ServiceUnavailable, ValidationFailed
from contracts.engagement.errors import InvalidUSCC
from kit.ids import new_id
from kit.replies import UndecodableReply, validated_replies
from kit.reply_structs import ReplyStruct, struct_replies
from kit.rpc import CallContext, RpcClient, RpcServer


class Ping(Contract):
    text: str
    delay: float = 0.0


class Pong(Contract):
    text: str
    actor: str
    correlation_id: str


CTX = CallContext(actor="alice", tenant="agency:1", correlation_id="req-1")


@pytest.fixture
async def echo(nc: Client) -> AsyncIterator[tuple[Rpc[Ping, Pong], RpcClient]]:
    service = f"echo{new_id().hex[:8]}"
    rpc = Rpc(service, "echo", Ping, Pong)

    async def handle(req: Ping, ctx: CallContext) -> Pong:
        await asyncio.sleep(req.delay)
        if req.text == "bad-uscc":
            raise InvalidUSCC("check character is wrong", field="uscc")
        if req.text == "boom":
            raise RuntimeError("secret internals")
        return Pong(text=req.text.upper(), actor=ctx.actor, correlation_id=ctx.correlation_id)

    server = RpcServer(nc, service=service, version="1.0.0", description="test")
    server.add(rpc, handle)
    await server.start()
    yield rpc, RpcClient(nc, timeout=1.0)
    await server.stop()


async def test_call_returns_the_typed_response_with_the_callers_context(echo):
    rpc, client = echo
    reply = await client.call(rpc, Ping(text="hi"), CTX)
    assert reply == Pong(text="HI", actor="alice", correlation_id="req-1")


async def test_a_domain_error_arrives_as_its_own_class(echo):
    rpc, client = echo
    with pytest.raises(InvalidUSCC) as info:
        await client.call(rpc, Ping(text="bad-uscc"), CTX)
    assert (info.value.message, info.value.field) == ("check character is wrong", "uscc")


async def test_an_unexpected_error_is_masked(echo):
    rpc, client = echo
    with pytest.raises(RemoteError) as info:
        await client.call(rpc, Ping(text="boom"), CTX)
    assert info.value.remote_code == "internal"
    assert "secret" not in info.value.message


async def test_an_invalid_request_is_a_validation_error_naming_the_field(echo, nc: Client):
    rpc, _ = echo
    msg = await nc.request(rpc.subject, b'{"text": 5}', timeout=1)
    assert b'"validation_failed"' in msg.data
    assert b'"text"' in msg.data
    with pytest.raises(ValidationFailed):
        raise ValidationFailed("x")


async def test_many_requests_are_served_concurrently(echo):
    rpc, client = echo
    # 20 requests of 0.3 s each finish well within the 1 s timeout only if concurrent.
    replies = await asyncio.gather(
        *(client.call(rpc, Ping(text=str(i), delay=0.3), CTX) for i in range(20))
    )
    assert [r.text for r in replies] == [str(i) for i in range(20)]


async def test_a_slow_service_is_unavailable_after_the_timeout(echo):
    rpc, client = echo
    with pytest.raises(ServiceUnavailable):
        await client.call(rpc, Ping(text="slow", delay=2.0), CTX, timeout=0.3)


async def test_no_service_listening_is_unavailable_at_once(nc: Client):
    rpc = Rpc("nobody", "home", Ping, Pong)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ServiceUnavailable):
        await RpcClient(nc, timeout=5.0).call(rpc, Ping(text="x"), CTX)
    assert loop.time() - started < 5.0  # no responders is known immediately


async def test_the_gateways_decoder_gives_a_struct_with_the_same_fields(echo, nc: Client):
    rpc, _ = echo
    client = RpcClient(nc, timeout=1.0, decode=struct_replies)

    reply = await client.call(rpc, Ping(text="hi"), CTX)

    assert isinstance(reply, ReplyStruct)
    assert reply.model_dump() == {"text": "HI", "actor": "alice", "correlation_id": "req-1"}
    with pytest.raises(InvalidUSCC):  # a refusal is still its own class
        await client.call(rpc, Ping(text="bad-uscc"), CTX)


@pytest.mark.parametrize("decode", [validated_replies, struct_replies])
async def test_a_reply_that_does_not_fit_the_contract_is_a_typed_error(nc: Client, decode):
    service = f"liar{new_id().hex[:8]}"
    rpc = Rpc(service, "echo", Ping, Pong)

    async def answer(msg) -> None:  # a service on another version of the contract
        await msg.respond(b'{"ok":true,"result":{"text":"HI","actor":"a"}}')

    sub = await nc.subscribe(rpc.subject, cb=answer)
    try:
        with pytest.raises(UndecodableReply) as info:
            await RpcClient(nc, timeout=1.0, decode=decode).call(rpc, Ping(text="hi"), CTX)
    finally:
        await sub.unsubscribe()
    assert info.value.remote_code == "internal"
    assert info.value.details["rpc"] == rpc.subject
    assert "correlation_id" in info.value.details["reason"]


async def test_a_served_call_logs_with_its_context_and_leaves_no_binding_behind(nc: Client):
    """The handler's log lines carry the call's correlation id, subject and actor; they
    are bound for the task serving that call only (each call has one), so neither the
    next call nor the server's own context keeps them."""
    service = f"ctx{new_id().hex[:8]}"
    rpc = Rpc(service, "seen", Ping, Pong)
    seen: list[dict[str, object]] = []

    async def handle(req: Ping, ctx: CallContext) -> Pong:
        seen.append(structlog.contextvars.get_contextvars())
        return Pong(text=req.text, actor=ctx.actor, correlation_id=ctx.correlation_id)

    server = RpcServer(nc, service=service, version="1.0.0", description="test")
    server.add(rpc, handle)
    await server.start()
    try:
        client = RpcClient(nc, timeout=5.0)
        await client.call(rpc, Ping(text="a"), CTX)
        other = CallContext(actor="bob", tenant="agency:2", correlation_id="")
        await client.call(rpc, Ping(text="b"), other)
    finally:
        await server.stop()
    # Only the call's own keys: what the process bound for itself (`process`, by an
    # earlier test in this worker) is not the call's to set or clear.
    keys = ("correlation_id", "rpc", "actor")
    assert [{key: bound.get(key) for key in keys} for bound in seen] == [
        {"correlation_id": "req-1", "rpc": rpc.subject, "actor": "alice"},
        {"correlation_id": "", "rpc": rpc.subject, "actor": "bob"},
    ]
    assert "rpc" not in structlog.contextvars.get_contextvars()
