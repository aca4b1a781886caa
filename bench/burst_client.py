"""The HTTP client of `bench.graphql_burst`: the lean one (default) or httpx.

Both take a request prepared once (`prepare`) and send it as often as asked (`send`),
answering the status and the body's bytes; the benchmark reads the rest. httpx stays
selectable (`--client httpx`) so figures taken with it can be compared.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from bench.lean_http import LeanClient, Reply

CLIENTS = ("lean", "httpx")


class BurstClient(Protocol):
    resent: int
    """Requests sent again after a kept-alive connection turned out closed."""

    def prepare(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> Any: ...

    async def send(self, prepared: Any) -> Reply: ...

    async def aclose(self) -> None: ...


class LeanBurstClient(LeanClient):
    """`bench.lean_http.LeanClient`: the request's bytes built once."""

    def prepare(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Any:
        return self.request_bytes(method, path, headers, body)


class HttpxBurstClient:
    """httpx's AsyncClient as the benchmark used it before the lean client."""

    def __init__(self, base_url: str, connections: int) -> None:
        # trust_env=False: no proxy from the environment; traffic stays on loopback.
        # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes them.
        limits = httpx.Limits(
            max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2
        )
        self.client = httpx.AsyncClient(
            base_url=base_url, timeout=30, trust_env=False, limits=limits
        )
        self.resent = 0

    def prepare(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Any:
        return method, path, headers, body

    async def send(self, prepared: Any) -> Reply:
        method, path, headers, body = prepared
        try:
            r = await self.client.request(method, path, content=body, headers=headers)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # A kept-alive connection the server closed as it was reused: sent again on
            # a new one (counted; the engagement of a request that did arrive is extra).
            self.resent += 1
            r = await self.client.request(method, path, content=body, headers=headers)
        return Reply(r.status_code, r.content)

    async def aclose(self) -> None:
        await self.client.aclose()


def burst_client(kind: str, base_url: str, connections: int) -> BurstClient:
    """`kind` is one of CLIENTS; `base_url` is the gateway's `http://host:port`."""
    if kind == "httpx":
        return HttpxBurstClient(base_url, connections)
    if kind != "lean":
        raise ValueError(f"unknown client {kind!r}; one of {', '.join(CLIENTS)}")
    url = urlsplit(base_url)
    if url.scheme != "http" or url.hostname is None or url.port is None:
        raise ValueError(f"the lean client speaks plain http to host:port, not {base_url}")
    return LeanBurstClient(url.hostname, url.port)
