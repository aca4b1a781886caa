"""A lean HTTP/1.1 keep-alive client for load generation (`bench.graphql_burst`).

httpx spent 4–6 ms of CPU per mutation at 32 clients on the benchmark's 2 cores (its
pool, its request and response models, h11's state machine): a quarter of the machine
taken from the system it measures. This client does only what a benchmark needs: plain
asyncio streams, one kept-alive connection per request in flight, a request's bytes
built once by the caller, and of the response the status line, `Content-Length`,
`Connection: close` and the body. No redirects, no chunked bodies, no TLS, no proxies:
the gateway on loopback answers with a length, and anything else is an error here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

# Idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes them.
KEEPALIVE_EXPIRY = 2.0
_HEAD_END = b"\r\n\r\n"


class ResponseError(Exception):
    """A response this client does not read (no length, a broken status line)."""


class _ClosedUnanswered(Exception):
    """The server closed a kept-alive connection without a byte of an answer."""


@dataclass
class Reply:
    status: int
    body: bytes


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def close(self) -> None:
        self.writer.close()


class LeanClient:
    """Requests to one host and port, each on an idle kept-alive connection or a new
    one: with `c` requests in flight, at most `c` connections."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.authority = f"{host}:{port}"
        self._idle: list[_Connection] = []
        self.resent = 0
        """Requests sent again after a kept-alive connection turned out closed."""

    def request_bytes(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
        """A whole request, to be built once and sent as often as wanted."""
        lines = [f"{method} {path} HTTP/1.1", f"host: {self.authority}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method not in ("GET", "HEAD"):
            lines.append(f"content-length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def send(self, request: bytes) -> Reply:
        """Send a request built by `request_bytes`. A kept-alive connection the server
        closed as it was reused (it answers nothing) is replaced and the request sent
        again, once, as httpx's pool does; counted in `resent`."""
        reused = self._checkout()
        if reused is not None:
            try:
                return await self._exchange(reused, request)
            except _ClosedUnanswered:
                reused.close()
                self.resent += 1
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            return await self._exchange(_Connection(reader, writer), request)
        except _ClosedUnanswered as exc:
            writer.close()
            raise ConnectionError("the server closed a new connection unanswered") from exc

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
        for connection in idle:
            with contextlib.suppress(ConnectionError):
                await connection.writer.wait_closed()

    def _checkout(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if now - connection.idle_since < KEEPALIVE_EXPIRY:
                return connection
            connection.close()
        return None

    async def _exchange(self, connection: _Connection, request: bytes) -> Reply:
        try:
            connection.writer.write(request)
            head = await connection.reader.readuntil(_HEAD_END)
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                connection.close()
                raise
            raise _ClosedUnanswered from exc
        except ConnectionError as exc:
            raise _ClosedUnanswered from exc
        except BaseException:  # a partial answer, a cancellation: the socket is no use
            connection.close()
            raise
        try:
            status, length, keep = _parse_head(head)
            body = await connection.reader.readexactly(length)
        except BaseException:  # an answer it cannot read, cut off, cancelled
            connection.close()
            raise
        if keep:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return Reply(status, body)


def _parse_head(head: bytes) -> tuple[int, int, bool]:
    """Status, Content-Length and whether the connection stays open."""
    lines = head.split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    if not version.startswith(b"HTTP/1."):
        raise ResponseError(f"not an HTTP/1.x status line: {lines[0]!r}")
    status = int(rest[:3])
    length: int | None = None
    keep = version == b"HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            keep = value.strip().lower() != b"close"
        elif name == b"transfer-encoding":
            raise ResponseError("chunked responses are not read by this client")
    if length is None:
        raise ResponseError("a response without Content-Length")
    return status, length, keep
