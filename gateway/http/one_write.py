"""uvicorn's httptools protocol with a response's head and first body part in one write.

uvicorn writes a response's status line and headers when `http.response.start` arrives
and the body when `http.response.body` does: two `write` system calls on the socket
per response (§17, "Seventh round: the gateway process": the two writes were 6 % of the
gateway process at 32 clients). Every response the gateway's routes make sends the
body right after the start, in the same step of the event loop, so the head waits for
it here and both leave in one `writelines` (one `sendmsg`).

A head never waits longer than that step: if the body is not sent before the event loop
turns (a streaming response whose first part comes later, an application that sends the
start and then fails), the head is written on its own at the next turn, as before. The
connection's close writes a held head first. Only HTTP responses go through here: a
WebSocket upgrade makes no response cycle, and the WebSocket protocol gets the
connection's own transport, as with uvicorn's protocol.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle


class OneWriteProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` whose response cycles write through `HeldHead`."""

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not before:  # a new request's cycle (none for a WebSocket upgrade)
            cycle.transport = HeldHead(self.transport, cycle, self.loop)  # type: ignore[assignment]

    def shutdown(self) -> None:
        # uvicorn closes the connection's own transport when the response is complete:
        # a head still held (a HEAD request's, whose body is never written) goes first.
        held = self.cycle.transport if self.cycle is not None else None
        if isinstance(held, HeldHead):
            held.flush()
        super().shutdown()


class HeldHead:
    """The transport as one response cycle sees it: the response's head, the cycle's
    first write once its response has started, is kept until the next write (the body)
    or the event loop's next turn, whichever comes first."""

    __slots__ = ("_cycle", "_head", "_head_passed", "_loop", "_transport")

    def __init__(
        self,
        transport: asyncio.Transport,
        cycle: RequestResponseCycle,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._transport = transport
        self._cycle: RequestResponseCycle | None = cycle
        self._loop = loop
        self._head: bytes | None = None
        self._head_passed = False

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:  # the body's first part: both in one write
            self._head = None
            self._transport.writelines((head, data))
        elif not self._head_passed and self._cycle.response_started:  # type: ignore[union-attr]
            self._head, self._head_passed = data, True  # the head
            # Not needed any more: dropped, so the cycle and this do not keep each other
            # alive until the garbage collector finds them.
            self._cycle = None
            self._loop.call_soon(self.flush)
        else:  # a later part, or `100 Continue` (written before the response starts)
            self._transport.write(data)

    def flush(self) -> None:
        """Write a head still held: the body did not follow within the loop's turn."""
        head = self._head
        if head is not None:
            self._head = None
            if not self._transport.is_closing():  # else nothing more reaches the client
                self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        # uvicorn's cycle uses only the three above; anything a later uvicorn asks for
        # is the connection's transport's own.
        return getattr(self._transport, name)
