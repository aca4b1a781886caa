"""`gateway.http.one_write`: the same bytes as uvicorn's httptools protocol, the head and
the body's first part in one write, and a head that never waits past the loop's turn.

Each case feeds the same request to uvicorn's `HttpToolsProtocol` and to
`OneWriteProtocol` over a recording transport and compares what reached the wire."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from gateway.http.one_write import HeldHead, OneWriteProtocol

POST = (
    b"POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
    b"Content-Length: 2\r\n\r\n{}"
)


@dataclass
class Wire:
    """A transport that records each write (a `writelines` is one write)."""

    writes: list[bytes] = field(default_factory=list)
    closed: bool = False
    protocol: Any = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def writelines(self, parts: Any) -> None:
        self.write(b"".join(parts))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def set_protocol(self, protocol: Any) -> None:
        self.protocol = protocol


async def json_app(scope: Scope, receive: Receive, send: Send) -> None:
    body = await Request(scope, receive).body()
    await JSONResponse({"received": body.decode(), "data": {"ok": True}})(scope, receive, send)


async def serve(protocol_class: type[HttpToolsProtocol], app: Any, *requests: bytes) -> Wire:
    """`requests`, each as one read (the app run in between), through a protocol of
    `protocol_class` serving `app`; the wire once every response is done."""
    config = uvicorn.Config(app, http=protocol_class, log_level="warning", lifespan="off")
    config.load()
    state = ServerState()
    state.default_headers = [(b"server", b"uvicorn")]
    protocol = protocol_class(config=config, server_state=state, app_state={})
    wire = Wire()
    protocol.connection_made(wire)  # type: ignore[arg-type]
    for request in requests:
        protocol.data_received(request)
        for _ in range(3):  # the app runs until it waits for more
            await asyncio.sleep(0)
    await settled(state)
    protocol.connection_lost(None)
    return wire


async def settled(state: ServerState) -> None:
    while state.tasks:
        await asyncio.gather(*state.tasks)
    for _ in range(3):  # a held head's flush, scheduled for the next turn
        await asyncio.sleep(0)


async def both(app: Any, *requests: bytes) -> tuple[Wire, Wire]:
    return await serve(HttpToolsProtocol, app, *requests), await serve(
        OneWriteProtocol, app, *requests
    )


async def test_a_response_is_one_write_of_the_same_bytes() -> None:
    theirs, ours = await both(json_app, POST)
    assert len(theirs.writes) == 2  # uvicorn: the head, then the body
    assert ours.writes == [b"".join(theirs.writes)]
    assert ours.writes[0].startswith(b"HTTP/1.1 200 OK\r\nserver: uvicorn\r\n")
    assert ours.writes[0].endswith(b'{"received":"{}","data":{"ok":true}}')


async def test_pipelined_requests_each_one_write() -> None:
    theirs, ours = await both(json_app, POST + POST)
    assert len(ours.writes) == 2
    assert b"".join(ours.writes) == b"".join(theirs.writes)


async def test_head_request() -> None:
    head = POST.replace(b"POST", b"HEAD", 1)
    theirs, ours = await both(json_app, head)
    assert ours.writes == theirs.writes  # no body to join: the head alone, next turn
    assert b"content-length: 36" in ours.writes[0]


async def test_a_held_head_is_written_before_a_shutdown_closes_the_connection() -> None:
    """A HEAD response writes no body, so its head is held until the loop's next turn;
    a server shutdown in that same turn closes the connection, and the head goes first."""
    config = uvicorn.Config(json_app, http=OneWriteProtocol, log_level="warning", lifespan="off")
    config.load()
    protocol = OneWriteProtocol(config=config, server_state=ServerState(), app_state={})
    wire = Wire()
    protocol.connection_made(wire)  # type: ignore[arg-type]

    @dataclass
    class Done:  # a cycle whose response has started and completed, body never written
        transport: Any = None
        response_started: bool = True
        response_complete: bool = True

    cycle = Done()
    cycle.transport = HeldHead(wire, cycle, asyncio.get_running_loop())  # type: ignore[arg-type]
    cycle.transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 36\r\n\r\n")
    protocol.cycle = cycle  # type: ignore[assignment]
    assert wire.writes == []  # held until the loop's next turn
    protocol.shutdown()
    assert wire.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 36\r\n\r\n"]
    assert wire.closed


async def test_100_continue_is_not_held() -> None:
    """`Expect: 100-continue`: the interim answer leaves when the app first reads, before
    the request's body has even arrived."""
    head, body = POST.split(b"\r\n\r\n")
    expecting = head + b"\r\nExpect: 100-continue\r\n\r\n"
    theirs, ours = await both(json_app, expecting, body)
    assert ours.writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert len(ours.writes) == 2
    assert b"".join(ours.writes) == b"".join(theirs.writes)


async def test_streaming_head_is_sent_before_the_first_part() -> None:
    """A streaming response whose first part comes later: the client gets the head at
    the next turn of the loop, as before, not with the part."""
    heads_seen: list[list[bytes]] = []
    wires: list[Wire] = []

    async def parts() -> AsyncIterator[bytes]:
        await asyncio.sleep(0.01)
        if wires:
            heads_seen.append(list(wires[-1].writes))
        yield b"one"
        yield b"two"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await StreamingResponse(parts(), media_type="text/plain")(scope, receive, send)

    class Recording(OneWriteProtocol):
        def connection_made(self, transport: Any) -> None:
            wires.append(transport)
            super().connection_made(transport)

    theirs = await serve(HttpToolsProtocol, app, POST)
    ours = await serve(Recording, app, POST)
    (before_part,) = heads_seen
    assert len(before_part) == 1
    assert before_part[0].startswith(b"HTTP/1.1 200 OK")
    assert b"transfer-encoding: chunked" in before_part[0]
    assert b"".join(ours.writes) == b"".join(theirs.writes)


async def test_a_failure_after_the_start_writes_the_head_then_closes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("after the start")

    with caplog.at_level(logging.ERROR, logger="uvicorn.error"):
        theirs, ours = await both(app, POST)
    assert ours.writes == theirs.writes
    assert ours.writes[0].startswith(b"HTTP/1.1 200 OK")
    assert ours.closed
    assert theirs.closed


async def test_a_websocket_upgrade_gets_the_connection_s_own_transport() -> None:
    upgrade = (
        b"GET /graphql HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.close"})

    config = uvicorn.Config(app, http=OneWriteProtocol, log_level="warning", lifespan="off")
    config.load()
    state = ServerState()
    protocol = OneWriteProtocol(config=config, server_state=state, app_state={})
    wire = Wire()
    protocol.connection_made(wire)  # type: ignore[arg-type]
    protocol.data_received(upgrade)
    assert wire.protocol is not None, "handed to the WebSocket protocol"
    assert wire.protocol.transport is wire
    await settled(state)
    assert wire.writes[0].startswith(b"HTTP/1.1 403")  # closed before accepting


async def test_anything_else_is_the_transport_s_own() -> None:
    held = HeldHead(cast(Any, Wire()), cast(Any, None), asyncio.get_running_loop())
    assert held.get_extra_info("peername") == ("127.0.0.1", 50000)
