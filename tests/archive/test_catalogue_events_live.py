"""Archive actions over the live `engagementEvents` subscription, on the running system
over a real WebSocket (issue 11, item 5): a subscriber reads an archive event only with
the items the archive would show it (clearance at least the item's level, its agency or
the unit the item was handed to), and no event carries a storage key."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.archive import archive_api as a
from tests.archive import handover_api as h
from tests.archive.test_catalogue_e2e import ADMIN, AGENCY, PM, WAIVED
from tests.e2e.harness import RunningSystem, eventually
from tests.engagement.test_subscription import held, next_message, open_subscription
from tests.engagement.workflow_client import new_engagement

ARCHIVE_ACTION = "archive.action.v1"
# A project manager of the agency: reads the trace, cleared up to SECRET.
CLEARED_PM = a.tok(f"agency:{AGENCY}", "project_manager", "pm-2", clearance=2)


async def archive_events_until(ws: Any, last_item: str) -> list[dict[str, Any]]:
    """The archive events a subscriber receives, up to the handover of `last_item`."""
    seen: list[dict[str, Any]] = []
    while True:
        message = await next_message(ws)
        assert message["type"] == "next", message
        event = message["payload"]["data"]["engagementEvents"]
        if event["type"] != ARCHIVE_ACTION:
            continue
        seen.append(event["data"])
        done = event["data"]["action"] == "handed_over"
        if done and a.raw_id(last_item) in event["data"]["item_ids"]:
            return seen


async def test_a_secret_items_archive_event_reaches_a_cleared_agency_user_not_a_public_viewer(
    system: RunningSystem,
):
    api = system.api
    engagement = new_engagement(api, AGENCY)
    e = engagement.id
    await asyncio.to_thread(eventually, lambda: api.settled(ADMIN, e))
    await asyncio.to_thread(h.to_results, engagement)
    public_viewer = a.tok(f"unit:{engagement.unit}", "client_viewer", "viewer", clearance=0)
    await held(system, 0)
    viewer_ws = await open_subscription(system, e, public_viewer)
    pm_ws = await open_subscription(system, e, CLEARED_PM)
    try:
        await held(system, 2)

        def act() -> tuple[dict[str, Any], ...]:
            public = a.upload(system.api, PM, e, b"public " * 50, level="PUBLIC")
            secret = a.upload(system.api, PM, e, b"secret " * 50, level="SECRET")
            handed = h.hand_over(system.api, PM, e, [public["id"], secret["id"]], waivers=WAIVED)
            assert handed["__typename"] == "WorkflowStepSuccess", handed
            return public, secret

        public, secret = await asyncio.to_thread(act)
        ids = {name: a.raw_id(i["id"]) for name, i in [("p", public), ("s", secret)]}
        to_viewer = await archive_events_until(viewer_ws, public["id"])
        to_pm = await archive_events_until(pm_ws, public["id"])
    finally:
        await viewer_ws.close()
        await pm_ws.close()

    # The unit saw the handover without the secret item, and nothing of the uploads (not
    # handed over yet when they were filed).
    assert [(d["action"], d["item_ids"]) for d in to_viewer] == [("handed_over", [ids["p"]])]
    assert secret["sha256"] not in json.dumps(to_viewer)
    # The cleared project manager of the agency saw every action, the secret item included.
    pm_saw = [(d["action"], d["item_ids"]) for d in to_pm]
    assert ("filed", [ids["s"]]) in pm_saw
    assert ("handed_over", [ids["p"], ids["s"]]) in pm_saw
    # No event a client read names where the bytes are stored.
    for data in to_viewer + to_pm:
        text = json.dumps(data)
        assert "key" not in data["details"], data
        assert not any(f"{i}/" in text for i in ids.values()), data
        assert "http" not in text, data
