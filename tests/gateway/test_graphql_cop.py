"""graphql-cop's checks, reproduced against the gateway in its production profile, and
each refused. (graphql-cop flags a server when the attack's request succeeds.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import AppClient

JSON = {"content-type": "application/json"}


async def post(client: httpx.AsyncClient, query: str, **extra: Any) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, **extra})


async def test_alias_overloading_is_refused(gateway_client: AppClient):
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(101)) + " }"
    async with gateway_client(environment="production") as client:
        body = (await post(client, query)).json()
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_field_duplication_is_refused(gateway_client: AppClient):
    async with gateway_client(environment="production") as client:
        body = (await post(client, "query cop { " + "__typename " * 500 + "}")).json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FIELD_DUPLICATION"]


async def test_directive_overloading_is_refused_with_one_error(gateway_client: AppClient):
    # graphql-cop counts the errors: one per directive means each was processed.
    query = "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }"
    async with gateway_client(environment="production") as client:
        body = (await post(client, query)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["DIRECTIVE_OVERLOADING"]


async def test_batches_beyond_the_cap_are_refused(gateway_client: AppClient):
    async with gateway_client(environment="production", max_batch_operations=5) as client:
        ten = [{"query": "query cop { __typename }"}] * 10
        refused = await client.post("/graphql", json=ten)
        two = await client.post("/graphql", json=ten[:2])
    assert refused.status_code == 400
    assert "Too many operations" in refused.text
    assert [r["data"] for r in two.json()] == [{"__typename": "Query"}] * 2


async def test_batching_can_be_turned_off(gateway_client: AppClient):
    async with gateway_client(max_batch_operations=0) as client:
        r = await client.post("/graphql", json=[{"query": "{ __typename }"}])
    assert r.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "mutation cop { createCheckpoint { __typename } }",
        "query cop { __typename }",
    ],
)
async def test_get_based_operations_are_refused(gateway_client: AppClient, query: str):
    async with gateway_client(environment="production") as client:
        r = await client.get("/graphql", params={"query": query})
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"


async def test_introspection_is_refused_in_production(gateway_client: AppClient):
    query = "query cop { __schema { types { name } } }"
    async with gateway_client(environment="production") as client:
        body = (await post(client, query)).json()
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_field_suggestions_are_off_in_production(gateway_client: AppClient):
    async with gateway_client(environment="development") as client:
        dev = (await post(client, "{ viewr { userId } }")).json()
    async with gateway_client(environment="production") as client:
        prod = (await post(client, "{ viewr { userId } }")).json()
    assert "Did you mean" in dev["errors"][0]["message"]
    assert "Did you mean" not in prod["errors"][0]["message"]


async def test_graphiql_is_not_served_in_production(gateway_client: AppClient):
    accept = {"accept": "text/html"}
    async with gateway_client(environment="development") as client:
        dev = await client.get("/graphql", headers=accept)
    async with gateway_client(environment="production") as client:
        prod = await client.get("/graphql", headers=accept)
    assert dev.status_code == 200
    assert "graphiql" in dev.text.lower()
    assert prod.status_code == 405


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
async def test_cross_site_form_content_types_are_refused(
    gateway_client: AppClient, content_type: str
):
    # These need no CORS preflight, so a foreign page could send them with cookies.
    async with gateway_client(environment="production") as client:
        r = await client.post(
            "/graphql",
            content=b'{"query": "mutation { createCheckpoint { __typename } }"}',
            headers={"content-type": content_type},
        )
    assert r.status_code == 415


async def test_oversized_bodies_are_refused(gateway_client: AppClient):
    big = "{ __typename }" + " " * 5000
    async with gateway_client(max_body_bytes=4096) as client:
        declared = await client.post("/graphql", json={"query": big})

        async def chunks() -> AsyncIterator[bytes]:
            # No Content-Length: the limit counts the bytes as they arrive.
            yield b'{"query": "{ __typename }", "pad": "'
            for _ in range(10):
                yield b"x" * 1000
            yield b'"}'

        streamed = await client.post("/graphql", content=chunks(), headers=JSON)
        small = await client.post("/graphql", json={"query": "{ __typename }"})
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert small.json() == {"data": {"__typename": "Query"}}


async def test_an_expensive_query_is_refused_before_it_runs(gateway_client: AppClient):
    query = "query($n: Int) { engagements(first: $n) { edges { node { trace { seq } } } } }"
    async with gateway_client(max_cost=500) as client:
        body = (await post(client, query)).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
