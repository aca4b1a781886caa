"""A service that fails unexpectedly answers the gateway with the code `internal`: the
client reads a masked INTERNAL error, as for a fault in the gateway itself — not a
DOMAIN_ERROR, which says the caller could act on it (seen by the fuzzer)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from nats.aio.client import Client

from contracts.evaluation.rpc import (
    GRADE_DISTRIBUTION,
    GradeDistributionReply,
    GradeDistributionRequest,
)
from gateway.app import create_app
from gateway.settings import GatewaySettings
from kit.auth import issue_token
from kit.rpc import CallContext, RpcServer


async def test_a_services_internal_failure_reaches_the_client_as_internal(
    nc: Client, nats_server, tmp_path: Path
):
    async def fail(req: GradeDistributionRequest, ctx: CallContext) -> GradeDistributionReply:
        raise RuntimeError("the evaluation database refused the query")

    evaluation = RpcServer(nc, service="evaluation", version="1.0.0", description="failing")
    evaluation.add(GRADE_DISTRIBUTION, fail)
    await evaluation.start()
    settings = GatewaySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        nats_url=nats_server.url,
    )
    app = create_app(settings)
    tok = issue_token(settings.auth, user_id="reg", tenant="region:44", roles=["regulator"])
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c,
        ):
            for _ in range(200):  # the gateway connects to NATS in the background
                answer = await c.post(
                    "/graphql",
                    json={"query": "{ gradeDistribution { total } }"},
                    headers={"authorization": f"Bearer {tok}"},
                )
                codes = [e["extensions"]["code"] for e in answer.json().get("errors", [])]
                if codes != ["SERVICE_UNAVAILABLE"]:
                    break
                await asyncio.sleep(0.05)
    finally:
        await evaluation.stop()
    [error] = answer.json()["errors"]
    assert (error["message"], error["extensions"]["code"]) == ("internal error", "INTERNAL")
    assert "database" not in answer.text
