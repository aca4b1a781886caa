"""Automatic persisted queries (the APQ sha256 protocol) and the production allow-list,
over HTTP and over graphql-transport-ws."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from gateway.persisted import load_registry, sha256_of
from tests.gateway.conftest import AppClient, ServedGateway

QUERY = "query Me { viewer { userId } }"


def apq(digest: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_apq_hash_then_text_then_hash(gateway_client: AppClient):
    ext = apq(sha256_of(QUERY))
    async with gateway_client() as client:
        miss = (await client.post("/graphql", json={"extensions": ext})).json()
        learn = (await client.post("/graphql", json={"query": QUERY, "extensions": ext})).json()
        hit = (await client.post("/graphql", json={"extensions": ext})).json()
    assert miss["errors"][0]["message"] == "PersistedQueryNotFound"
    assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert learn == hit == {"data": {"viewer": None}}


async def test_apq_refuses_a_hash_that_is_not_the_query_s(gateway_client: AppClient):
    async with gateway_client() as client:
        body = (
            await client.post("/graphql", json={"query": QUERY, "extensions": apq("0" * 64)})
        ).json()
    assert body["errors"][0]["message"] == "provided sha does not match query"


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    folder = tmp_path / "operations"
    folder.mkdir()
    (folder / "me.graphql").write_text(QUERY)
    return folder


async def test_allow_list_runs_registered_operations_only(
    gateway_client: AppClient, registry: Path
):
    settings = {"persisted_queries": "allow_list", "persisted_queries_path": str(registry)}
    async with gateway_client(environment="production", **settings) as client:
        by_hash = await client.post("/graphql", json={"extensions": apq(sha256_of(QUERY))})
        by_text = await client.post("/graphql", json={"query": QUERY})
        other = await client.post("/graphql", json={"query": "{ viewer { tenant } }"})
        learned = await client.post(
            "/graphql",
            json={"query": "{ __typename }", "extensions": apq(sha256_of("{ __typename }"))},
        )
    assert by_hash.json() == by_text.json() == {"data": {"viewer": None}}
    assert other.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"
    # An APQ registration is no way around the list.
    assert learned.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"


def test_a_registry_file_whose_keys_are_not_the_hashes_is_refused(tmp_path: Path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({sha256_of(QUERY): QUERY}))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"0" * 64: QUERY}))
    assert load_registry(good) == {sha256_of(QUERY): QUERY}
    with pytest.raises(ValueError, match="not the sha256"):
        load_registry(bad)


SUBSCRIPTION = "subscription Events($id: ID!) { engagementEvents(engagementId: $id) { type } }"


@pytest.fixture
async def websocket_gateway(served_gateway: ServedGateway, tmp_path: Path) -> AsyncIterator[str]:
    """The production gateway with an allow-list holding one subscription (no
    services: an anonymous caller is refused before any is asked)."""
    folder = tmp_path / "operations"
    folder.mkdir()
    (folder / "events.graphql").write_text(SUBSCRIPTION)
    settings = {"persisted_queries": "allow_list", "persisted_queries_path": str(folder)}
    async with served_gateway(environment="production", **settings) as url:
        yield url


async def subscribe(ws: ClientConnection, op_id: str, payload: dict[str, Any]) -> Any:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
    return json.loads(await ws.recv())


async def test_allow_list_applies_to_websocket_operations(websocket_gateway: str):
    variables = {"id": "RW5nYWdlbWVudDow"}
    async with connect(websocket_gateway, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"

        free = 'subscription { engagementEvents(engagementId: "x") { type } }'
        refused = await subscribe(ws, "free", {"query": free})
        assert (refused["id"], refused["type"]) == ("free", "error")
        assert [e["extensions"]["code"] for e in refused["payload"]] == ["OPERATION_NOT_ALLOWED"]

        unknown = await subscribe(ws, "unknown", {"extensions": apq("0" * 64)})
        assert (unknown["id"], unknown["type"]) == ("unknown", "error")
        assert unknown["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

        # The connection is still open, and a registered operation runs by hash:
        # it executes and is refused by authorization (anonymous), not by the list.
        by_hash = {"extensions": apq(sha256_of(SUBSCRIPTION)), "variables": variables}
        first = await subscribe(ws, "listed", by_hash)
        assert (first["id"], first["type"]) == ("listed", "next"), first
        assert [e["message"] for e in first["payload"]["errors"]] == ["no such engagement"]
        assert json.loads(await ws.recv()) == {"id": "listed", "type": "complete"}


async def test_only_graphql_transport_ws_is_served(websocket_gateway: str):
    # The legacy subscriptions-transport-ws protocol would bypass the list.
    async with connect(websocket_gateway, subprotocols=[Subprotocol("graphql-ws")]) as ws:
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 4406
