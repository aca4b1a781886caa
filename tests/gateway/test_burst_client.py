"""The load generator's lean HTTP client (`bench.lean_http`) sees what httpx sees: the
same status and body bytes from a gateway served by uvicorn, for a mutation that
succeeds, one the service refuses, a request GraphQL refuses and a plain GET."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from bench.burst_client import burst_client
from bench.lean_http import Reply
from kit.reply_structs import struct_replies
from kit.rpc import RpcClient
from tests.e2e.harness import CREATE_ENGAGEMENT
from tests.gateway.conftest import serving
from tests.gateway.stand_ins import AnsweringNats
from tests.gateway.test_post_route import CREATE_INPUT, CREATED, MANAGER, REFUSED, gateway

# The same request id for both: errors carry it.
BEARER = {
    "content-type": "application/json",
    "authorization": f"Bearer {MANAGER}",
    "x-request-id": "same-request",
}
CREATE = json.dumps({"query": CREATE_ENGAGEMENT, "variables": CREATE_INPUT}).encode()


async def test_the_lean_client_sees_what_httpx_sees(tmp_path: Path) -> None:
    async with gateway(tmp_path, True) as app, serving(app) as ws_url:
        base_url = "http://" + urlsplit(ws_url).netloc
        clients = {kind: burst_client(kind, base_url, 4) for kind in ("lean", "httpx")}
        seen: dict[str, list[Reply]] = {kind: [] for kind in clients}
        for reply in (CREATED, REFUSED):
            app.state.gateway.rpc = RpcClient(AnsweringNats(reply), decode=struct_replies)  # type: ignore[arg-type]
            for kind, client in clients.items():
                for _ in range(2):  # the second on the kept-alive connection
                    sent = client.prepare("POST", "/graphql", BEARER, CREATE)
                    seen[kind].append(await client.send(sent))
        for kind, client in clients.items():
            syntax_error = client.prepare("POST", "/graphql", BEARER, b'{"query": "{"}')
            seen[kind].append(await client.send(syntax_error))
            seen[kind].append(await client.send(client.prepare("GET", "/health/live", {})))
            await client.aclose()
    assert seen["lean"] == seen["httpx"]
    statuses = [r.status for r in seen["lean"]]
    assert statuses == [200, 200, 200, 200, 200, 200]
    created = json.loads(seen["lean"][0].body)["data"]["createEngagement"]
    assert created["__typename"] == "CreateEngagementSuccess"
    assert b"errors" in seen["lean"][4].body
