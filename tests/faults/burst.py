"""A burst of createEngagement through GraphQL, with one fault injected on the way,
and the census afterwards: what each service's tables and the ledger hold for it.

The client alternates between the two gateways as a round-robin load balancer does;
a connection refused (nothing sent) is retried on the other gateway, so a killed
gateway costs only the requests it had in flight, whose outcome is unknown (they
may have committed): the engagement table is the truth for those."""

from __future__ import annotations

import asyncio
import base64
import itertools
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID

import httpx

from tests.e2e.harness import CREATE_ENGAGEMENT, RunningSystem

CONCURRENCY = 32
SUCCESS = "CreateEngagementSuccess"
UNAVAILABLE = "ServiceUnavailable"
LOST_CONNECTION = "connection lost"
"""Not a GraphQL answer: the gateway died with the request in flight."""


@dataclass
class Outcome:
    kind: str
    """The result's __typename, or LOST_CONNECTION."""
    at: float
    engagement_id: UUID | None = None


@dataclass
class Burst:
    outcomes: list[Outcome] = field(default_factory=list)
    fault_at: float | None = None

    @property
    def accepted(self) -> set[UUID]:
        return {o.engagement_id for o in self.outcomes if o.engagement_id is not None}

    @property
    def refused(self) -> int:
        return sum(o.kind != SUCCESS for o in self.outcomes)

    def recovery_seconds(self) -> float:
        """From the fault to the first success after the last refusal (0: none refused)."""
        if self.fault_at is None:
            return 0.0
        failures = [o.at for o in self.outcomes if o.kind != SUCCESS]
        if not failures:
            return 0.0
        last = max(failures)
        after = [o.at for o in self.outcomes if o.kind == SUCCESS and o.at > last]
        return (min(after) if after else last) - self.fault_at


def global_uuid(global_id: str) -> UUID:
    return UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


async def run_burst(
    gateways: list[str],
    tok: str,
    unit_id: str,
    n: int,
    fault: Callable[[], Awaitable[None]],
    *,
    fault_after: int,
) -> Burst:
    """`n` createEngagement calls, CONCURRENCY at a time over the gateways in turn; once
    `fault_after` have answered, `fault` runs (beside the burst, which goes on)."""
    burst = Burst()
    remaining = iter(range(n))
    turn = itertools.count()
    fault_task: asyncio.Task[None] | None = None
    variables = {
        "input": {
            "unitId": unit_id,
            "serviceModes": ["ROVING"],
            "periodStart": "2027-01-01",
            "periodEnd": "2027-12-31",
        }
    }
    request = {"query": CREATE_ENGAGEMENT, "variables": variables}
    headers = {"authorization": f"Bearer {tok}"}

    async def inject() -> None:
        burst.fault_at = time.monotonic()
        await fault()

    async def call(client: httpx.AsyncClient) -> Outcome:
        first = next(turn)
        for attempt in range(600):
            url = gateways[(first + attempt) % len(gateways)] + "/graphql"
            try:
                r = await client.post(url, json=request, headers=headers)
            except httpx.ConnectError:
                # Refused before anything was sent: safe to try the other gateway.
                await asyncio.sleep(0.05 if attempt % len(gateways) else 0.5)
                continue
            except httpx.TransportError:
                return Outcome(LOST_CONNECTION, time.monotonic())
            body = r.json()
            assert "errors" not in body, body  # a refusal is a typed result, never an error
            result = body["data"]["createEngagement"]
            kind = result["__typename"]
            assert kind in (SUCCESS, UNAVAILABLE), result
            assert "Traceback" not in str(result)
            created = global_uuid(result["engagement"]["id"]) if kind == SUCCESS else None
            return Outcome(kind, time.monotonic(), created)
        return Outcome(LOST_CONNECTION, time.monotonic())

    async with httpx.AsyncClient(timeout=60, trust_env=False) as client:

        async def worker() -> None:
            nonlocal fault_task
            for _ in remaining:
                burst.outcomes.append(await call(client))
                if fault_task is None and len(burst.outcomes) >= fault_after:
                    fault_task = asyncio.create_task(inject())

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    if fault_task is not None:
        await fault_task
    return burst


@dataclass
class Census:
    """What the system holds for the engagements of one unit, once it settled."""

    engagements: set[UUID]
    counts: dict[str, tuple[int, int]]
    """Per table: (rows, distinct events) over those engagements."""
    lag_p99: float
    """Seconds from an engagement's commit to its trace entry (99th percentile)."""

    @property
    def lost(self) -> int:
        return sum(len(self.engagements) - distinct for _rows, distinct in self.counts.values())

    @property
    def duplicated(self) -> int:
        return sum(rows - distinct for rows, distinct in self.counts.values())


TABLES = {
    "archive.trace_entry": (
        "archive",
        "select count(*), count(distinct event_id) from trace_entry"
        " where engagement_id = any(:ids)",
    ),
    "archive.ledger_leaf": (
        "archive",
        "select count(*), count(distinct event_id) from ledger_leaf"
        " where engagement_id = any(:ids)",
    ),
    "evaluation.engagement_registration": (
        "evaluation",
        "select count(*), count(distinct source_event_id) from engagement_registration"
        " where engagement_id = any(:ids)",
    ),
    "compliance.engagement_link": (
        "compliance",
        "select count(*), count(distinct engagement_id) from engagement_link"
        " where engagement_id = any(:ids)",
    ),
}


async def census(system: RunningSystem, unit: UUID, timeout: float) -> Census:
    """Wait until every consumer recorded every engagement of `unit` (or `timeout`)."""
    rows = await system.rows("engagement", "select id from engagement where unit_id = :u", u=unit)
    ids = [r[0] for r in rows]
    deadline = time.monotonic() + timeout
    while True:
        counts = {}
        for table, (service, sql) in TABLES.items():
            [(total, distinct)] = await system.rows(service, sql, ids=ids)
            counts[table] = (total, distinct)
        settled = all(d >= len(ids) for _t, d in counts.values())
        if settled or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    lags = await _lags(system, ids)
    return Census(engagements=set(ids), counts=counts, lag_p99=percentile(lags, 0.99))


async def _lags(system: RunningSystem, ids: list[UUID]) -> list[float]:
    created = dict(
        await system.rows(
            "engagement", "select id, created_at from engagement where id = any(:ids)", ids=ids
        )
    )
    traced = await system.rows(
        "archive",
        "select engagement_id, min(recorded_at) from trace_entry"
        " where engagement_id = any(:ids) group by engagement_id",
        ids=ids,
    )
    return [(at - created[e]).total_seconds() for e, at in traced if e in created]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]
