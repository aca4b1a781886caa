"""Live engagement events over graphql-transport-ws, fed from NATS, authorized."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from kit.ids import new_id
from tests.e2e.conftest import start_system
from tests.e2e.harness import RunningSystem, eventually, token
from tests.engagement.workflow_client import new_engagement
from tests.evaluation import gql as evaluation

SUBSCRIBE = "subscription($id: ID!) { engagementEvents(engagementId: $id) { type actor data } }"


async def open_subscription(
    system: RunningSystem, engagement_id: str, tok: str | None, *, in_handshake: bool = False
) -> Any:
    """Subscribe with the token in `connection_init` (or in the handshake's header)."""
    url = system.api.url.replace("http://", "ws://") + "/graphql"
    credentials = {"Authorization": f"Bearer {tok}"} if tok else {}
    ws = await connect(
        url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=credentials if in_handshake else {},
    )
    payload = {} if in_handshake else credentials
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SUBSCRIBE, "variables": {"id": engagement_id}},
            }
        )
    )
    return ws


def gateway_event_subscriptions(system: RunningSystem) -> int:
    """NATS subscriptions the gateway holds on the event subjects, from nats-server's
    own monitoring endpoint (not from the gateway's view of itself)."""
    assert system.stack.nats is not None
    url = system.stack.nats.monitor_url + "/connz?subs=1"
    connections = httpx.get(url, timeout=5).json()["connections"]
    return sum(
        subject == "ecohost.events.>"
        for c in connections
        if c.get("name") == "gateway"
        for subject in c.get("subscriptions_list", [])
    )


async def held(system: RunningSystem, count: int) -> None:
    """Wait until the gateway holds exactly `count` event subscriptions."""
    await asyncio.to_thread(
        eventually, lambda: gateway_event_subscriptions(system) == count, timeout=15
    )


async def next_message(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
    return message


async def closing_error(ws: Any) -> dict[str, Any]:
    """The error a started stream ends with, skipping events delivered before it (the
    engagement's creation may still be on its way), then its `complete`."""
    while True:
        message = await next_message(ws)
        assert message["type"] == "next", message
        if message["payload"].get("errors"):
            break
    [error] = message["payload"]["errors"]
    assert (await next_message(ws))["type"] == "complete"
    return dict(error)


async def test_R1_trace_engagement_events_arrive_live(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    other = new_engagement(system.api, str(new_id()))
    ws = await open_subscription(system, e.id, e.engineer)
    try:
        await asyncio.sleep(0.5)  # let the subscription reach NATS
        await asyncio.to_thread(other.ok, "draftPlan", content="not ours")
        await asyncio.to_thread(e.ok, "draftPlan", content="实施方案 v1")
        message = await next_message(ws)
        assert message["type"] == "next", message
        event = message["payload"]["data"]["engagementEvents"]
        assert (event["type"], event["actor"]) == ("engagement.plan_drafted.v1", "pm")
        assert event["data"] == {"version": 1, "status": "draft", "reasons": None}
    finally:
        await ws.close()


@pytest.mark.parametrize("who", ["anonymous", "other-agency", "no-trace-permission"])
async def test_engagement_events_are_refused_as_not_found(system: RunningSystem, who: str):
    e = new_engagement(system.api, str(new_id()))
    tok = {
        "anonymous": None,
        "other-agency": token(f"agency:{new_id()}", "agency_admin"),
        "no-trace-permission": token("agency:" + e.manager_agency, "expert"),
    }[who]
    ws = await open_subscription(system, e.id, tok)
    try:
        message = await next_message(ws)
        # The stream ends with the error as its only result, and no data.
        assert message["type"] == "next", message
        assert message["payload"]["data"] is None
        assert [e["message"] for e in message["payload"]["errors"]] == ["no such engagement"]
        assert (await next_message(ws))["type"] == "complete"
    finally:
        await ws.close()


@pytest.mark.parametrize("who", ["engineer", "manager"])
async def test_events_the_caller_may_not_read_are_skipped(system: RunningSystem, who: str):
    # An engineer reads the trace but not scorecards: the evaluation service's
    # scorecard event for this engagement never reaches them; the project manager,
    # who may read scorecards, gets it. Later events reach both.
    e = new_engagement(system.api, str(new_id()))
    # The evaluation service learns of the engagement from its creation event;
    # until then it cannot open a scorecard (clients see `evaluationRegistered`).
    await asyncio.to_thread(eventually, lambda: system.api.settled(e.manager, e.id))
    ws = await open_subscription(system, e.id, e.engineer if who == "engineer" else e.manager)
    try:
        await asyncio.sleep(0.5)  # let the subscription reach NATS
        opened = await asyncio.to_thread(evaluation.open_for, system.api, e.manager, e.id)
        assert opened["__typename"] == "ScorecardSuccess", opened
        await asyncio.to_thread(e.traced, "evaluation.scorecard_opened.v1")
        await asyncio.to_thread(e.ok, "draftPlan", content="实施方案 v1")
        seen: list[str] = []
        while "engagement.plan_drafted.v1" not in seen:
            message = await next_message(ws)
            assert message["type"] == "next", message
            seen.append(message["payload"]["data"]["engagementEvents"]["type"])
        scorecard_events = [t for t in seen if t.startswith("evaluation.")]
        if who == "engineer":
            assert scorecard_events == [], seen
        else:
            assert scorecard_events == ["evaluation.scorecard_opened.v1"], seen
    finally:
        await ws.close()


@pytest.mark.parametrize("where", ["connection_init", "handshake"])
async def test_the_stream_ends_when_the_token_expires(system: RunningSystem, where: str):
    # The verified `exp` travels on the principal, however the principal arrived.
    e = new_engagement(system.api, str(new_id()))
    short = token("agency:" + e.manager_agency, "engineer", user="eng", ttl=3)
    ws = await open_subscription(system, e.id, short, in_handshake=where == "handshake")
    try:
        error = await closing_error(ws)
        assert error["extensions"]["code"] == "NOT_AUTHORIZED", error
        assert error["extensions"]["reason"] == "token_expired", error
        assert error["message"] == "The access token has expired."
        await held(system, 0)
    finally:
        await ws.close()


@pytest.mark.parametrize("how", ["complete", "disconnect"])
async def test_no_nats_subscription_outlives_the_client(system: RunningSystem, how: str):
    e = new_engagement(system.api, str(new_id()))
    await held(system, 0)
    ws = await open_subscription(system, e.id, e.engineer)
    try:
        await held(system, 1)
        if how == "complete":
            await ws.send(json.dumps({"id": "1", "type": "complete"}))
        else:
            await ws.close()
        await held(system, 0)
    finally:
        await ws.close()


@pytest.fixture(scope="module")
def tight_system(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A gateway whose subscriptions may hold fewer bytes than one event: the first
    event for any subscriber overflows it, whatever the timing."""
    limits = {"ECOHOST_GATEWAY_SUBSCRIPTION_PENDING_BYTES": "64"}
    yield from start_system(tmp_path_factory.mktemp("tight"), {}, env=limits)


async def test_a_slow_consumer_loses_the_subscription(tight_system: RunningSystem):
    e = new_engagement(tight_system.api, str(new_id()))
    ws = await open_subscription(tight_system, e.id, e.engineer)
    try:
        await held(tight_system, 1)
        await asyncio.to_thread(e.ok, "draftPlan", content="实施方案 v1")
        error = await closing_error(ws)
        assert error["extensions"]["code"] == "SLOW_CONSUMER", error
        assert error["message"].startswith("the subscription fell behind by "), error
        await held(tight_system, 0)
    finally:
        await ws.close()
