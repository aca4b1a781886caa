"""A burst of createEngagement through GraphQL, with one fault injected on the way,
and the census afterwards: what each service's tables and the ledger hold for it.

The client alternates between the two gateways as a round-robin load balancer does,
and behaves as a careful client does: every call carries its own `Idempotency-Key`,
and a call refused (`ServiceUnavailable`) or cut off (the gateway died with it in
flight, its outcome unknown) is sent again with the same key, on the other gateway,
until it is accepted or `RETRY_FOR` has passed. So every call ends accepted exactly
once, and the engagement table must hold exactly the accepted engagements: a command
that committed although its caller was told it was refused is answered from memory
on the retry, not applied a second time."""

from __future__ import annotations

import asyncio
import base64
import itertools
import math
import time
import uuid
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
NOT_SENT = "connection refused"
"""Nothing was sent (the gateway is down): tried on the other one, not a refusal."""
RETRY_FOR = 180.0
"""How long a call is retried: longer than any fault's outage and recovery."""


@dataclass
class Outcome:
    kind: str
    """The last answer's __typename, or LOST_CONNECTION."""
    at: float
    engagement_id: UUID | None = None
    attempts: int = 1
    """Sends of the call (the same key each time)."""


@dataclass
class Burst:
    outcomes: list[Outcome] = field(default_factory=list)
    """One per call, as it ended."""
    refusals: list[float] = field(default_factory=list)
    """When each refused or cut-off send was answered."""
    fault_at: float | None = None

    @property
    def accepted(self) -> set[UUID]:
        return {o.engagement_id for o in self.outcomes if o.engagement_id is not None}

    @property
    def refused(self) -> int:
        """Calls refused or cut off at least once (each then retried with its key)."""
        return sum(o.attempts > 1 or o.kind != SUCCESS for o in self.outcomes)

    @property
    def unresolved(self) -> int:
        """Calls still not accepted after `RETRY_FOR`."""
        return sum(o.kind != SUCCESS for o in self.outcomes)

    def recovery_seconds(self) -> float:
        """From the fault to the first success after the last refusal (0: none refused)."""
        if self.fault_at is None or not self.refusals:
            return 0.0
        last = max(self.refusals)
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

    async def send(client: httpx.AsyncClient, url: str, key: str) -> tuple[str, UUID | None]:
        """One send: the answer's __typename and the engagement it names, if any."""
        try:
            r = await client.post(url, json=request, headers={**headers, "Idempotency-Key": key})
        except httpx.ConnectError:
            return NOT_SENT, None
        except httpx.TransportError:
            # Cut off with the request in flight: it may have committed; the key tells.
            return LOST_CONNECTION, None
        body = r.json()
        assert "errors" not in body, body  # a refusal is a typed result, never an error
        result = body["data"]["createEngagement"]
        kind = result["__typename"]
        assert kind in (SUCCESS, UNAVAILABLE), result
        assert "Traceback" not in str(result)
        return kind, global_uuid(result["engagement"]["id"]) if kind == SUCCESS else None

    async def call(client: httpx.AsyncClient) -> Outcome:
        first = next(turn)
        key = str(uuid.uuid4())
        deadline = time.monotonic() + RETRY_FOR
        attempt, sends, kind = 0, 0, LOST_CONNECTION
        while time.monotonic() < deadline:
            url = gateways[(first + attempt) % len(gateways)] + "/graphql"
            attempt += 1
            kind, created = await send(client, url, key)
            if kind == NOT_SENT:  # a load balancer tries the other gateway: no refusal
                await asyncio.sleep(0.05 if attempt % len(gateways) else 0.5)
                continue
            sends += 1
            if kind == SUCCESS:
                return Outcome(kind, time.monotonic(), created, attempts=sends)
            burst.refusals.append(time.monotonic())
            # The other gateway at once; the same one again after a pause.
            await asyncio.sleep(0.05 if attempt % len(gateways) else min(0.2 * attempt, 2.0))
        return Outcome(kind, time.monotonic(), attempts=sends)

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
