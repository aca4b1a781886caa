"""Live engagement events over graphql-transport-ws, fed from NATS, authorized."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, token
from tests.engagement.workflow_client import new_engagement

SUBSCRIBE = "subscription($id: ID!) { engagementEvents(engagementId: $id) { type actor data } }"


async def open_subscription(system: RunningSystem, engagement_id: str, tok: str | None) -> Any:
    url = system.api.url.replace("http://", "ws://") + "/graphql"
    ws = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    payload = {"Authorization": f"Bearer {tok}"} if tok else {}
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


async def next_message(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
    return message


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
