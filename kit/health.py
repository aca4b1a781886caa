"""A tiny HTTP server for a service process: `/health/live`, `/health/ready`, `/metrics`.

Services take their work from NATS, not HTTP, so they need no web framework; this is
asyncio's own server answering one GET per connection. Liveness says only that the
event loop turns (a NATS or database outage must not get the pod restarted);
readiness asks the runtime (connected, database answering, not stopping).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable

from kit.logging import get_logger

log = get_logger(__name__)

ReadyCheck = Callable[[], Awaitable[bool]]
MetricsRender = Callable[[], tuple[bytes, str]]
"""Returns the exposition body and its content type."""

_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}
# A probe or a scraper sends a few hundred bytes; anything slower or larger is dropped.
_READ_TIMEOUT = 5.0
_MAX_HEADER_LINES = 100


class HealthServer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        ready: ReadyCheck,
        metrics: MetricsRender | None = None,
        ready_timeout: float = 2.0,
    ) -> None:
        self._host = host
        self._port = port
        self._ready = ready
        self._metrics = metrics
        self._ready_timeout = ready_timeout
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (the chosen one when started with port 0)."""
        assert self._server is not None, "start() first"
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)
        log.info("health.listening", host=self._host, port=self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=2)
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, path = await asyncio.wait_for(_read_request(reader), _READ_TIMEOUT)
            status, body, content_type = await self._answer(method, path)
            head = (
                f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n"
                "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode("ascii") + (b"" if method == "HEAD" else body))
            await writer.drain()
        except (TimeoutError, ValueError, ConnectionError, asyncio.IncompleteReadError):
            pass  # a broken or silent client: nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, method: str, path: str) -> tuple[int, bytes, str]:
        if method not in ("GET", "HEAD"):
            return 405, b"", "text/plain"
        route = path.split("?", 1)[0]
        if route == "/health/live":
            return _json(200, "ok")
        if route == "/health/ready":
            try:
                ok = await asyncio.wait_for(self._ready(), self._ready_timeout)
            except Exception:  # a check that hangs or fails means: not ready
                ok = False
            return _json(200, "ok") if ok else _json(503, "unavailable")
        if route == "/metrics" and self._metrics is not None:
            body, content_type = self._metrics()
            return 200, body, content_type
        return 404, b"", "text/plain"


def _json(status: int, word: str) -> tuple[int, bytes, str]:
    return status, json.dumps({"status": word}).encode(), "application/json"


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str]:
    request_line = (await reader.readline()).decode("latin-1").strip()
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise ValueError("not an HTTP request line")
    for _ in range(_MAX_HEADER_LINES):  # headers are read and ignored
        if (await reader.readline()) in (b"\r\n", b"\n", b""):
            break
    return parts[0].upper(), parts[1]
