"""Two replicas of each service against one NATS and one PostgreSQL: requests spread over
both (nats.micro queue groups), every event processed exactly once (shared durable
consumers, inbox); and a replica SIGTERMed in the middle of a burst loses nothing and
leaves no event unacknowledged."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from cli.stack import SERVICES
from tests.e2e.test_faults import _setup, burst, wait_for_traces
from tests.infra.postgres import PostgresInfo
from tests.ops.replicas import Replicated, consumer_backlog, replicated_system, service_stats

BURST = 300


@pytest.fixture(scope="module")
def replicated(
    postgres: PostgresInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicated]:
    # A request the draining replica dropped would still be refused, after 30 s; one
    # that is merely slow on a loaded machine (two test workers, two cores) is not.
    env = {"ECOHOST_GATEWAY_RPC_TIMEOUT": "30"}
    # A long ack wait, so that an event handed back by a stopping replica is seen to move
    # on at once (nak), not after the ack wait.
    env |= {f"ECOHOST_{name.upper()}_CONSUMER_ACK_WAIT": "120" for name in SERVICES}
    with replicated_system(tmp_path_factory.mktemp("replicas"), postgres, env) as running:
        yield running


async def wait_until_settled(nats_url: str, timeout: float = 30) -> dict[str, tuple[int, int]]:
    """Consumer backlogs once every durable has nothing pending and nothing unacked (or at
    the deadline). Well below the 120 s ack wait: what is settled here was acked or nak'ed,
    not left to time out."""
    deadline = time.monotonic() + timeout
    while True:
        backlog = await consumer_backlog(nats_url)
        if all(b == (0, 0) for b in backlog.values()) or time.monotonic() > deadline:
            return backlog
        await asyncio.sleep(0.25)


async def test_requests_spread_over_both_replicas_and_events_apply_once(replicated: Replicated):
    system = replicated.system
    tok, unit_id = _setup(system)
    before = await service_stats(replicated.nats_url, "engagement")
    results = await burst(system, tok, unit_id, BURST, {})
    assert [r["__typename"] for r in results].count("CreateEngagementSuccess") == BURST

    ids, entries, distinct = await wait_for_traces(system, unit_id)
    assert len(ids) == BURST
    assert (entries, distinct) == (BURST, BURST)  # the archive pair applied each event once

    # Both engagement replicas answered part of the burst.
    after = await service_stats(replicated.nats_url, "engagement")
    assert len(after) == 2
    served = {i: n - before.get(i, 0) for i, n in after.items()}
    assert all(n > 0 for n in served.values()), served
    assert sum(served.values()) >= BURST
    assert await wait_until_settled(replicated.nats_url) == {
        name: (0, 0) for name in await consumer_backlog(replicated.nats_url)
    }
    print(f"\nengagement requests per replica: {sorted(served.values())}")


async def test_sigterm_during_a_burst_loses_nothing_and_leaves_nothing_unacked(
    replicated: Replicated,
):
    system = replicated.system
    tok, unit_id = _setup(system)
    # The stack's own engagement and archive processes: a request handler and a consumer.
    victims = [replicated.replicas["engagement"][0], replicated.replicas["archive"][0]]

    async def terminate() -> None:
        for child in victims:
            child.terminate()

    results = await burst(system, tok, unit_id, BURST, {BURST // 3: terminate})
    codes = [await asyncio.to_thread(child.wait, 40) for child in victims]
    assert codes == [0, 0]  # drained and exited on their own, within the pod's grace period

    succeeded = {
        str(
            __import__("uuid").UUID(
                __import__("base64").b64decode(r["engagement"]["id"]).decode().split(":", 1)[1]
            )
        )
        for r in results
        if r["__typename"] == "CreateEngagementSuccess"
    }
    # The replica that kept running took over: no request failed.
    assert len(succeeded) == BURST, {r["__typename"] for r in results}
    ids, entries, distinct = await wait_for_traces(system, unit_id)
    assert succeeded == ids
    assert (entries, distinct) == (BURST, BURST)
    settled = await wait_until_settled(replicated.nats_url)
    assert all(b == (0, 0) for b in settled.values()), settled
