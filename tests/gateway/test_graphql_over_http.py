"""GraphQL over HTTP: `application/graphql-response+json` and its status codes, and the
execution timeout."""

from __future__ import annotations

import asyncio

import httpx
import strawberry
from fastapi import FastAPI

from gateway.http.router import GRAPHQL_RESPONSE, GatewayRouter
from gateway.persisted import PersistedQueries
from tests.gateway.conftest import AppClient


async def test_graphql_response_json_with_its_status_codes(gateway_client: AppClient):
    accept = {"accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}
    async with gateway_client() as client:
        ok = await client.post("/graphql", json={"query": "{ __typename }"}, headers=accept)
        syntax = await client.post("/graphql", json={"query": "{ __typename "}, headers=accept)
        invalid = await client.post("/graphql", json={"query": "{ nope }"}, headers=accept)
        legacy = await client.post("/graphql", json={"query": "{ nope }"})
    assert ok.status_code == 200
    assert ok.headers["content-type"] == GRAPHQL_RESPONSE
    assert ok.json() == {"data": {"__typename": "Query"}}
    for refused in (syntax, invalid):
        # Nothing executed: no `data` entry, a 4xx status.
        assert refused.status_code == 400
        assert refused.headers["content-type"] == GRAPHQL_RESPONSE
        assert "data" not in refused.json()
        assert refused.json()["errors"]
    # application/json keeps the older convention: 200 and `data: null`.
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"
    assert legacy.json()["data"] is None


async def test_field_errors_keep_200_and_data(gateway_client: AppClient):
    accept = {"accept": GRAPHQL_RESPONSE}
    async with gateway_client() as client:
        # `units` asks a service; NATS is not connected here, so the field fails.
        r = await client.post(
            "/graphql", json={"query": "{ viewer { userId } units { totalCount } }"}, headers=accept
        )
    assert r.status_code == 200
    assert "data" in r.json()


never = asyncio.Event()


@strawberry.type
class Slow:
    @strawberry.field
    async def forever(self) -> str:
        await never.wait()  # never set: the operation can only end by cancellation
        return "unreachable"


async def test_an_operation_past_the_execution_timeout_is_cancelled():
    app = FastAPI()
    app.include_router(
        GatewayRouter(
            strawberry.Schema(query=Slow),
            persisted=PersistedQueries("automatic"),
            execution_timeout=0.05,
        ),
        prefix="/graphql",
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        body = (await client.post("/graphql", json={"query": "{ forever }"})).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"
