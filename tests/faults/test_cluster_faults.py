"""A burst through GraphQL on the production shape (3-node JetStream cluster with 3
replicas and `sync_interval: always`, PostgreSQL, two replicas of every service and of
the gateway), with one part SIGKILLed a third of the way in and restarted a few
seconds later. Each time: no event lost, none applied twice (counted in every
consumer's table and in the ledger), every accepted engagement readable afterwards,
whatever was refused was refused as a typed ServiceUnavailable, and every call, sent
again with its `Idempotency-Key` after a refusal, ended accepted exactly once."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from cli.stack import GATEWAY, SERVICES
from gateway.ids import encode_global_id
from kit.ids import new_id
from tests.e2e.harness import token
from tests.faults.burst import census, global_uuid, run_burst
from tests.faults.cluster import FaultStack
from tests.faults.conftest import BURST

DOWN_SECONDS = 3.0
"""How long a killed part stays down before its restart."""
SETTLE_SECONDS = 120 + BURST / 20
"""Bound on waiting for the consumers to catch up after the burst (not a speed check)."""
VISIBLE_SAMPLE = 300
"""Accepted engagements read back through GraphQL (all of them at the short size)."""

FAULTS = ["nats-node", "stream-leader", "postgresql", *SERVICES, GATEWAY]


def injector(stack: FaultStack, fault: str) -> Callable[[], Awaitable[None]]:
    """The fault: SIGKILL, DOWN_SECONDS, restart (each blocking step in a thread)."""

    async def down_then_up(kill: Callable[[], None], restart: Callable[[], None]) -> None:
        await asyncio.to_thread(kill)
        await asyncio.sleep(DOWN_SECONDS)
        await asyncio.to_thread(restart)

    async def nats_node(leader: bool) -> None:
        leading = await stack.nats.stream_leader()
        names = [n.cluster.server_name for n in stack.nats.nodes if n.cluster is not None]
        victim = stack.nats.node(leading if leader else next(n for n in names if n != leading))
        await down_then_up(victim.kill, lambda: victim.restart(timeout=120))

    match fault:
        case "nats-node":
            return lambda: nats_node(leader=False)
        case "stream-leader":
            return lambda: nats_node(leader=True)
        case "postgresql":
            return lambda: down_then_up(stack.postgres.kill, stack.postgres.restart)
        case _:
            return lambda: down_then_up(lambda: stack.kill(fault), lambda: stack.restart(fault))


@pytest.mark.timeout(600 + BURST)
@pytest.mark.parametrize("fault", FAULTS)
async def test_burst_with_a_fault_loses_nothing_and_applies_nothing_twice(
    faults: FaultStack, fault: str, report: list[dict[str, Any]]
) -> None:
    system = faults.system
    tok = token(f"agency:{new_id()}", "agency_admin")
    unit = system.api.create_unit(tok)
    assert unit["__typename"] == "CreateUnitSuccess", unit
    unit_id = unit["unit"]["id"]

    started = time.monotonic()
    burst = await run_burst(
        faults.gateway_urls, tok, unit_id, BURST, injector(faults, fault), fault_after=BURST // 3
    )
    found = await census(system, global_uuid(unit_id), timeout=SETTLE_SECONDS)
    wall = time.monotonic() - started

    assert len(burst.outcomes) == BURST
    # Every call, retried with its key after a refusal, ended accepted, once: the
    # engagements stored are exactly those accepted. A command that committed although
    # its caller was refused (the gateway timed out first) answered the retry from
    # memory instead of running again.
    assert burst.unresolved == 0
    assert len(burst.accepted) == BURST
    assert found.engagements == burst.accepted
    for table, (rows, distinct) in found.counts.items():
        assert (table, rows, distinct) == (
            table,
            len(found.engagements),
            len(found.engagements),
        )
    assert (found.lost, found.duplicated) == (0, 0)
    sample = random.sample(sorted(burst.accepted), min(VISIBLE_SAMPLE, len(burst.accepted)))
    for engagement in sample:
        view = system.api.engagement(tok, encode_global_id("Engagement", engagement))
        assert view is not None, engagement
        assert view["trace"], engagement
    report.append(
        {
            "fault": f"SIGKILL {_victim(fault)}",
            "burst": BURST,
            "accepted": len(burst.accepted),
            "refused": burst.refused,  # then retried with its key until accepted
            "sends": sum(o.attempts for o in burst.outcomes),
            "lost": found.lost,
            "duplicated": found.duplicated,
            "recovery_s": round(burst.recovery_seconds(), 2),
            "lag_p99_s": round(found.lag_p99, 3),
            "wall_s": round(wall, 1),
        }
    )


def _victim(fault: str) -> str:
    return {
        "nats-node": "one NATS node (follower)",
        "stream-leader": "the stream leader",
        "postgresql": "PostgreSQL",
        GATEWAY: "one of 2 gateways",
    }.get(fault, f"one of 2 {fault}")
