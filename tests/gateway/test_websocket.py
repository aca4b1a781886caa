"""Queries and mutations over graphql-transport-ws: each operation runs as the
connection's token says at that moment, and automatic persisted queries work as by
POST. (Subscriptions themselves: tests/engagement/test_subscription.py.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Any

import strawberry
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from gateway.http.router import GatewayRouter
from gateway.persisted import PersistedQueries, sha256_of
from tests.e2e.harness import token
from tests.gateway.conftest import ServedGateway, serving

VIEWER = "query Me { viewer { userId tenant } }"
AGENCY = "agency:0192f3a0-0000-7000-8000-00000000a11c"
PROTOCOL = [Subprotocol("graphql-transport-ws")]


async def connected(url: str, init: dict[str, Any]) -> ClientConnection:
    ws = await connect(url, subprotocols=PROTOCOL)
    await ws.send(json.dumps({"type": "connection_init", "payload": init}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    return ws


async def run(ws: ClientConnection, op_id: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of one operation, up to its `complete` (or its `error`)."""
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
    got: list[dict[str, Any]] = []
    while not got or got[-1]["type"] not in ("complete", "error"):
        got.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=10)))
    return got


async def test_a_query_over_the_socket_runs_as_the_connection_init_token(
    served_gateway: ServedGateway,
):
    alice = token(AGENCY, "engineer", user="alice")
    async with served_gateway() as url:
        ws = await connected(url, {"Authorization": f"Bearer {alice}"})
        anonymous = await connected(url, {})
        try:
            [answer, done] = await run(ws, "1", {"query": VIEWER})
            [nobody, _] = await run(anonymous, "1", {"query": VIEWER})
        finally:
            await ws.close()
            await anonymous.close()
    assert answer["payload"]["data"]["viewer"] == {
        "userId": "alice",
        "tenant": AGENCY,
    }
    assert done == {"id": "1", "type": "complete"}
    assert nobody["payload"]["data"]["viewer"] is None


async def test_an_expired_token_no_longer_counts_for_later_operations(
    served_gateway: ServedGateway,
):
    # Valid at connection_init, expired three seconds later (counting the verifier's
    # 30 s of clock-skew leeway): the second query on the same connection runs as
    # anonymous, as an HTTP request with that token would.
    async with served_gateway() as url:
        minted = datetime.now(UTC) - timedelta(seconds=30)
        soon = token(AGENCY, "engineer", user="bob", ttl=3, now=minted)
        ws = await connected(url, {"Authorization": f"Bearer {soon}"})
        try:
            [before, _] = await run(ws, "1", {"query": VIEWER})
            await asyncio.sleep(3.5)
            [after, _] = await run(ws, "2", {"query": VIEWER})
        finally:
            await ws.close()
    assert before["payload"]["data"]["viewer"]["userId"] == "bob"
    assert after["payload"]["data"]["viewer"] is None


async def test_automatic_persisted_queries_over_the_socket(served_gateway: ServedGateway):
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(VIEWER)}}
    async with served_gateway() as url:
        ws = await connected(url, {})
        try:
            miss = await run(ws, "1", {"extensions": ext})
            learn = await run(ws, "2", {"query": VIEWER, "extensions": ext})
            hit = await run(ws, "3", {"extensions": ext})
            bad = await run(ws, "4", {"query": VIEWER, "extensions": {"persistedQuery": {
                "version": 1, "sha256Hash": 5}}})  # fmt: skip
        finally:
            await ws.close()
    assert [m["type"] for m in miss] == ["error"]
    assert miss[0]["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert learn[0]["payload"] == hit[0]["payload"] == {"data": {"viewer": None}}
    assert bad[0]["type"] == "error"


async def test_a_malformed_subscribe_closes_with_4400(served_gateway: ServedGateway):
    async with served_gateway() as url:
        ws = await connected(url, {})
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": 42}}))
        await asyncio.wait_for(ws.wait_closed(), timeout=10)
    assert ws.close_code == 4400


async def closed_at_init(url: str, init: dict[str, Any], headers: dict[str, str]) -> int | None:
    """Open a socket with these handshake headers, send connection_init, and return
    the close code the gateway answers with (None if it acknowledged instead)."""
    ws = await connect(url, subprotocols=PROTOCOL, additional_headers=headers)
    try:
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        assert reply["type"] == "connection_ack", reply
        return None
    except ConnectionClosed:
        return ws.close_code
    finally:
        await ws.close()


def expired_token() -> str:
    return token(AGENCY, "engineer", ttl=1, now=datetime.now(UTC) - timedelta(hours=1))


async def test_a_handshake_with_a_present_but_invalid_authorization_is_closed_4403(
    served_gateway: ServedGateway,
):
    # Issue 11, item 4: credentials that were sent and refused never run as anonymous;
    # graphql-transport-ws closes a refused connection_init with 4403 Forbidden.
    alice = token(AGENCY, "engineer", user="alice")
    forged = alice[: alice.rindex(".") + 1] + "AAAA"
    async with served_gateway() as url:
        codes = {
            "forged": await closed_at_init(url, {}, {"Authorization": f"Bearer {forged}"}),
            "expired": await closed_at_init(
                url, {}, {"Authorization": f"Bearer {expired_token()}"}
            ),
            "not bearer": await closed_at_init(url, {}, {"Authorization": "Basic YTpi"}),
            # A forged long-lived header cannot stand beside a valid connection_init token
            # (it used to set the subscription's expiry).
            "forged beside init": await closed_at_init(
                url, {"Authorization": f"Bearer {alice}"}, {"Authorization": f"Bearer {forged}"}
            ),
            "expired in init": await closed_at_init(
                url, {"Authorization": f"Bearer {expired_token()}"}, {}
            ),
        }
        valid = {
            "header": await closed_at_init(url, {}, {"Authorization": f"Bearer {alice}"}),
            "init": await closed_at_init(url, {"Authorization": f"Bearer {alice}"}, {}),
            "none": await closed_at_init(url, {}, {}),
        }
    assert codes == dict.fromkeys(codes, 4403)
    assert valid == dict.fromkeys(valid, None)


never = asyncio.Event()


@strawberry.type
class Slow:
    @strawberry.field
    async def forever(self) -> str:
        await never.wait()  # never set: the operation can only end by cancellation
        return "unreachable"


@strawberry.type
class Ticks:
    @strawberry.subscription
    async def tick(self) -> AsyncGenerator[int, None]:
        await asyncio.sleep(0.3)  # longer than the execution timeout
        yield 1


async def test_queries_over_the_socket_get_the_execution_timeout_subscriptions_do_not():
    app = FastAPI()
    router = GatewayRouter(
        strawberry.Schema(query=Slow, subscription=Ticks),
        persisted=PersistedQueries("automatic"),
        execution_timeout=0.05,
    )
    app.include_router(router, prefix="/graphql")
    async with serving(app) as url:
        ws = await connected(url, {})
        try:
            query = await run(ws, "1", {"query": "{ forever }"})
            subscription = await run(ws, "2", {"query": "subscription { tick }"})
        finally:
            await ws.close()
    assert [m["type"] for m in query] == ["error"]
    assert query[0]["payload"][0]["extensions"]["code"] == "TIMEOUT"
    assert [m["type"] for m in subscription] == ["next", "complete"]
    assert subscription[0]["payload"] == {"data": {"tick": 1}}


@strawberry.type
class Stream:
    @strawberry.subscription
    async def ticks(self) -> AsyncGenerator[int, None]:
        n = 0
        while True:
            n += 1
            yield n
            await asyncio.sleep(0.05)


async def test_the_11th_subscription_on_a_connection_is_refused_and_the_first_10_keep_streaming():
    app = FastAPI()
    router = GatewayRouter(
        strawberry.Schema(query=Slow, subscription=Stream),
        persisted=PersistedQueries("automatic"),
        execution_timeout=1.0,
        max_subscriptions=10,
    )
    app.include_router(router, prefix="/graphql")
    ticks = {"query": "subscription { ticks }"}
    async with serving(app) as url:
        ws = await connected(url, {})
        try:
            for n in range(1, 12):
                await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": ticks}))
            refused: dict[str, Any] | None = None
            streaming: set[str] = set()
            after_refusal: set[str] = set()
            async with asyncio.timeout(10):  # without the limit, no refusal ever comes
                while refused is None or len(after_refusal) < 10:
                    message = json.loads(await ws.recv())
                    if message["type"] == "error":
                        refused = message
                    elif message["type"] == "next":
                        streaming.add(message["id"])
                        if refused is not None:
                            after_refusal.add(message["id"])
            # The connection is still open: a query on it runs beside the stream.
            query = {"query": "{ __typename }"}
            await ws.send(json.dumps({"id": "q", "type": "subscribe", "payload": query}))
            answer = None
            while answer is None:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                if message["id"] == "q":
                    answer = message
        finally:
            await ws.close()
    assert refused is not None
    assert refused["id"] == "11"
    assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
    assert streaming == after_refusal == {str(n) for n in range(1, 11)}
    assert answer["payload"] == {"data": {"__typename": "Slow"}}
