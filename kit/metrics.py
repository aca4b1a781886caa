"""Prometheus metrics of every process, served at `/metrics`.

Latencies are histograms observed where the work happens (GraphQL operations in the
gateway, NATS requests on both sides). Counters the runtime keeps anyway (events
published, applied, redelivered, dead-lettered) are read at scrape time, and what
needs a query (outbox backlog and age, consumer lag, dead letters kept) is sampled
every few seconds in the background, so a scrape never waits on NATS or the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from contracts.core import EVENT_STREAM
from kit.logging import get_logger

if TYPE_CHECKING:
    from kit.runtime import ServiceRuntime

log = get_logger(__name__)

SAMPLE_INTERVAL = 5.0
# Client-chosen GraphQL operation names become label values; past this many distinct
# names the rest are counted as "other", so a client cannot blow up the series count.
MAX_OPERATION_NAMES = 200

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

GRAPHQL_SECONDS = Histogram(
    "ecohost_graphql_operation_duration_seconds",
    "GraphQL operations by operation name, type and outcome (ok, error).",
    ["operation", "type", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
NATS_REQUEST_SECONDS = Histogram(
    "ecohost_nats_request_duration_seconds",
    "Request/reply calls made over NATS, by subject and outcome (ok, error, unavailable, "
    "undecodable).",
    ["subject", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
RPC_HANDLE_SECONDS = Histogram(
    "ecohost_rpc_handle_duration_seconds",
    "Requests a service answered, by subject and outcome (ok, error, internal).",
    ["subject", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
IDEMPOTENT_REPLAYS = Counter(
    "ecohost_idempotent_replays_total",
    "Commands sent again under an Idempotency-Key and answered with the kept answer,"
    " by how: retry (the first send had committed), race (two sends at once) or"
    " key_reused (refused: the key was first used for another request).",
    ["how"],
)

_operation_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    name = name[:64]
    if name in _operation_names:
        return name
    if len(_operation_names) >= MAX_OPERATION_NAMES:
        return "other"
    _operation_names.add(name)
    return name


def render() -> tuple[bytes, str]:
    """The exposition of this process's registry, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


@dataclass
class _Sample:
    """What the background sampler last read for one service runtime."""

    outbox_backlog: float = math.nan
    outbox_oldest_age: float = math.nan
    dead_letters: float = math.nan
    consumer_pending: dict[str, float] = field(default_factory=dict)
    consumer_ack_pending: dict[str, float] = field(default_factory=dict)


class _RuntimeCollector(Collector):
    """Reads the service runtimes of this process at scrape time (normally one)."""

    def __init__(self) -> None:
        self.tracked: dict[int, tuple[ServiceRuntime, _Sample]] = {}

    def collect(self) -> Iterator[Metric]:
        published = CounterMetricFamily(
            "ecohost_outbox_published", "Events the outbox relay published.", labels=["service"]
        )
        backlog = GaugeMetricFamily(
            "ecohost_outbox_backlog", "Outbox rows not yet published.", labels=["service"]
        )
        age = GaugeMetricFamily(
            "ecohost_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unpublished outbox row (publish lag; 0 when empty).",
            labels=["service"],
        )
        events = CounterMetricFamily(
            "ecohost_consumer_events",
            "Events a consumer handled: applied, duplicate (inbox hit) or dead_lettered.",
            labels=["service", "consumer", "result"],
        )
        redeliveries = CounterMetricFamily(
            "ecohost_consumer_redeliveries",
            "Deliveries of an event after its first.",
            labels=["service", "consumer"],
        )
        pending = GaugeMetricFamily(
            "ecohost_consumer_pending",
            "Events in the stream not yet delivered to the consumer (consumer lag).",
            labels=["service", "consumer"],
        )
        ack_pending = GaugeMetricFamily(
            "ecohost_consumer_ack_pending",
            "Events delivered but not yet acknowledged.",
            labels=["service", "consumer"],
        )
        dead = GaugeMetricFamily(
            "ecohost_dead_letters",
            "Dead letters kept and not replayed (ecohost dead-letters <service>).",
            labels=["service"],
        )
        pool = GaugeMetricFamily(
            "ecohost_db_pool_connections",
            "Database pool connections by state (in_use, idle).",
            labels=["service", "state"],
        )
        for runtime, sample in list(self.tracked.values()):
            name = runtime.name
            if runtime.relay is not None:
                published.add_metric([name], runtime.relay.published)
            backlog.add_metric([name], sample.outbox_backlog)
            age.add_metric([name], sample.outbox_oldest_age)
            dead.add_metric([name], sample.dead_letters)
            for c in runtime.consumers:
                events.add_metric([name, c.durable, "applied"], c.applied)
                events.add_metric([name, c.durable, "duplicate"], c.duplicates)
                events.add_metric([name, c.durable, "dead_lettered"], c.dead_lettered)
                redeliveries.add_metric([name, c.durable], c.redelivered)
                pending.add_metric([name, c.durable], sample.consumer_pending.get(c.durable, 0))
                ack_pending.add_metric(
                    [name, c.durable], sample.consumer_ack_pending.get(c.durable, 0)
                )
            in_use, idle = _pool_use(runtime)
            pool.add_metric([name, "in_use"], in_use)
            pool.add_metric([name, "idle"], idle)
        yield from (published, backlog, age, events, redeliveries, pending, ack_pending, dead, pool)


def _pool_use(runtime: ServiceRuntime) -> tuple[float, float]:
    """Connections checked out and idle; NaN for a pool that does not count (NullPool)."""
    pool = runtime.db.engine.sync_engine.pool
    checked_out = getattr(pool, "checkedout", None)
    checked_in = getattr(pool, "checkedin", None)
    if checked_out is None or checked_in is None:
        return math.nan, math.nan
    return float(checked_out()), float(checked_in())


_collector = _RuntimeCollector()
REGISTRY.register(_collector)


async def sample_runtime(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """Track `runtime` for /metrics and refresh its sampled values until `stop` is set."""
    sample = _Sample()
    _collector.tracked[id(runtime)] = (runtime, sample)
    try:
        while not stop.is_set():
            try:
                await _sample_once(runtime, sample)
            except Exception as exc:  # the database or NATS is down: keep the last values
                log.debug("metrics.sample_failed", error=str(exc) or type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SAMPLE_INTERVAL)
    finally:
        _collector.tracked.pop(id(runtime), None)


async def _sample_once(runtime: ServiceRuntime, sample: _Sample) -> None:
    outbox, dead_letters = runtime.tables.outbox, runtime.tables.dead_letters
    async with runtime.db.transaction() as session:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(
                    outbox.c.sent_at.is_(None)
                )
            )
        ).one()
        dead = await session.scalar(
            select(func.count())
            .select_from(dead_letters)
            .where(dead_letters.c.replayed_at.is_(None))
        )
    sample.outbox_backlog = float(count)
    sample.outbox_oldest_age = (
        max(0.0, (datetime.now(UTC) - oldest).total_seconds()) if oldest is not None else 0.0
    )
    sample.dead_letters = float(dead or 0)
    if runtime.js is None:
        return
    for consumer in runtime.consumers:
        info = await runtime.js.consumer_info(EVENT_STREAM, consumer.durable, timeout=2)
        sample.consumer_pending[consumer.durable] = float(info.num_pending or 0)
        sample.consumer_ack_pending[consumer.durable] = float(info.num_ack_pending or 0)
