"""The life of a service process: connect, serve, consume, relay, and stop cleanly.

On SIGTERM/SIGINT the process stops taking requests, lets in-flight requests and
the current event finish, flushes the outbox, drains its NATS subscriptions and
closes its connections, in that order. Readiness (`/health/ready` when
`health_port` is set) turns false first.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope, EventParser
from kit import metrics, tracing
from kit.bus import connect, ensure_event_stream
from kit.consumer import BatchHandler, EventConsumer, EventHandler
from kit.db import Database
from kit.health import HealthServer
from kit.idempotency import purge_expired
from kit.logging import get_logger
from kit.messaging import MessagingTables
from kit.outbox import OutboxRelay
from kit.rpc import RpcServer
from kit.settings import ServiceSettings

log = get_logger(__name__)


@dataclass
class Subscription:
    """A durable consumer a service declares: its name, subjects and handler, and the
    event classes it reads as typed (`events`); any other event reaches the handler as
    the bare envelope, so a consumer of every event (the ledger) declares none."""

    durable: str
    subjects: list[str]
    handler: EventHandler
    events: tuple[type[EventEnvelope], ...] = ()
    # When set, fetched batches are applied with it in one transaction; `handler`
    # still applies single events and whatever a failed batch held, one by one.
    batch_handler: BatchHandler | None = None

    def parse(self, raw: bytes) -> EventEnvelope:
        return EventParser(self.events)(raw)

    def consumer(
        self, js: JetStreamContext, db: Database, tables: MessagingTables, **options: Any
    ) -> EventConsumer:
        """This subscription as a durable consumer; `options` are EventConsumer's
        tuning (retries, ack wait, linger, replicas, after_commit)."""
        return EventConsumer(
            js=js,
            db=db,
            tables=tables,
            durable=self.durable,
            filter_subjects=self.subjects,
            handler=self.handler,
            events=self.events,
            batch_handler=self.batch_handler,
            **options,
        )


@dataclass
class Periodic:
    """Work a service does on a timer, in its own transaction (e.g. overdue scans).

    `job` returns how many events it recorded, so the relay is woken only when needed.
    """

    name: str
    interval: float
    job: Callable[[AsyncSession], Awaitable[int]]


@dataclass
class PeriodicBatches:
    """Work on a timer too large for one transaction (e.g. regenerating thousands of
    units' calendars): `job` opens its own, one per batch, so no lock is held for
    minutes and a failure loses only the batch it hit. Returns events recorded."""

    name: str
    interval: float
    job: Callable[[Database], Awaitable[int]]


@dataclass
class ServiceRuntime:
    """Everything a running service holds; built by `start`, torn down by `stop`."""

    name: str
    settings: ServiceSettings
    db: Database
    tables: MessagingTables
    nc: Client | None = None
    js: JetStreamContext | None = None
    rpc: RpcServer | None = None
    relay: OutboxRelay | None = None
    consumers: list[EventConsumer] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    draining: bool = False
    health: HealthServer | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(
        self,
        *,
        register_endpoints: Callable[[RpcServer, ServiceRuntime], None],
        subscriptions: list[Subscription],
        periodic: Sequence[Periodic | PeriodicBatches] | None = None,
        background: Sequence[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = (),
        version: str = "0.1.0",
        description: str = "",
    ) -> None:
        # First, so liveness answers while NATS or the database are still coming up.
        await self._start_health()
        if tracing.enabled():
            tracing.instrument_engine(self.db.engine, system=self.db.engine.dialect.name)
        self.nc = await connect(self.settings, name=self.name)
        self.js = self.nc.jetstream()
        await _retry(
            lambda: ensure_event_stream(self.js_ctx, replicas=self.settings.stream_replicas)
        )
        self.relay = OutboxRelay(
            self.db,
            self.tables,
            self.js,
            name=self.name,
            batch_size=self.settings.outbox_batch_size,
            poll_interval=self.settings.outbox_poll_interval,
        )
        self._tasks.append(asyncio.create_task(self.relay.run(self.stopping)))
        for sub in subscriptions:
            consumer = sub.consumer(
                self.js,
                self.db,
                self.tables,
                max_deliver=self.settings.consumer_max_deliver,
                ack_wait=self.settings.consumer_ack_wait,
                linger=self.settings.consumer_linger,
                after_commit=self.relay.notify,
                replicas=self.settings.stream_replicas,
            )
            self.consumers.append(consumer)
            self._tasks.append(asyncio.create_task(consumer.run(self.stopping)))
        # Every service forgets its commands' idempotency answers past their retention.
        purge = PeriodicBatches("idempotency-purge", 3600.0, purge_expired(self.tables.idempotency))
        for job in [*(periodic or []), purge]:
            self._tasks.append(asyncio.create_task(self._every(job)))
        # Long-running loops of the service's own (e.g. the archive's document worker):
        # each returns once `stopping` is set, and stop() waits for it like the others.
        for loop in background:
            self._tasks.append(asyncio.create_task(loop(self.stopping)))
        self.rpc = RpcServer(self.nc, service=self.name, version=version, description=description)
        register_endpoints(self.rpc, self)
        await self.rpc.start()
        self._tasks.append(asyncio.create_task(metrics.sample_runtime(self, self.stopping)))
        log.info("service.started", service=self.name, nats=self.settings.nats_servers)

    async def _start_health(self) -> None:
        if self.settings.health_port is None or self.health is not None:
            return
        self.health = HealthServer(
            host=self.settings.health_host,
            port=self.settings.health_port,
            ready=self.ready,
            metrics=metrics.render,
        )
        await self.health.start()

    async def ready(self) -> bool:
        """Ready to take work: not stopping, NATS connected, RPC serving, database answering."""
        if self.draining or self.rpc is None or self.nc is None or not self.nc.is_connected:
            return False
        try:
            async with self.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def _every(self, job: Periodic | PeriodicBatches) -> None:
        while not self.stopping.is_set():
            try:
                if isinstance(job, PeriodicBatches):
                    recorded = await job.job(self.db)
                else:
                    async with self.db.transaction() as session:
                        recorded = await job.job(session)
                if recorded:
                    self.committed()
                    log.info("periodic.done", job=job.name, events=recorded)
            except Exception as exc:  # retried at the next tick; visible in the log
                log.warning("periodic.failed", job=job.name, error=str(exc) or type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=job.interval)

    @property
    def js_ctx(self) -> JetStreamContext:
        assert self.js is not None
        return self.js

    def committed(self) -> None:
        """Call after a transaction that recorded events commits: wakes the relay."""
        if self.relay is not None:
            self.relay.notify()

    async def stop(self) -> None:
        log.info("service.stopping", service=self.name)
        self.draining = True
        if self.rpc is not None:
            await self.rpc.stop()
        self.stopping.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=15)
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), timeout=5)
            except Exception as exc:
                log.warning("nats.drain_failed", error=str(exc))
        await self.db.dispose()
        if self.health is not None:
            await self.health.stop()
        log.info("service.stopped", service=self.name)


async def _retry(op: Callable[[], Awaitable[None]], attempts: int = 30) -> None:
    for i in range(attempts):
        try:
            await op()
            return
        except Exception as exc:
            if i == attempts - 1:
                raise
            log.warning("startup.retry", error=str(exc) or type(exc).__name__)
            await asyncio.sleep(min(2.0, 0.2 * (i + 1)))


async def serve_until_signalled(
    runtime: ServiceRuntime, start: Callable[[], Awaitable[None]]
) -> None:
    """Start, then wait for SIGTERM/SIGINT and stop gracefully."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await start()
    await stop.wait()
    await runtime.stop()


def build_runtime(name: str, settings: ServiceSettings, tables: MessagingTables) -> ServiceRuntime:
    """A service's runtime before start: its settings and its own database."""
    db = Database(
        settings.database_url,
        schema=settings.database_schema,
        pool_size=settings.database_pool_size,
    )
    return ServiceRuntime(name=name, settings=settings, db=db, tables=tables)
