"""Wiring of the compliance calendar service (合规日历): permits, monitoring plans,
obligations as occurrences over a rolling horizon, my work and calendar feeds."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from kit.db import Database
from kit.ids import new_id
from kit.notify import DeliveryWorker, EmailTransport, InAppTransport, WebhookTransport
from kit.runtime import PeriodicBatches, ServiceRuntime, Subscription, build_runtime
from services.compliance import clock, endpoints, handlers
from services.compliance.calendar.commands import daily_scan
from services.compliance.models import Base, messaging
from services.compliance.settings import ComplianceSettings

NAME = "compliance"
MIGRATIONS = Path(__file__).parent / "migrations"
METADATA = Base.metadata


def build(settings: ComplianceSettings | None = None) -> ServiceRuntime:
    return build_runtime(NAME, settings or ComplianceSettings(), messaging)


async def consumers(runtime: ServiceRuntime) -> list[Subscription]:
    """The durable consumers and their handlers (also what a dead-letter replay runs)."""
    return [handlers.ENGAGEMENTS, handlers.EVALUATIONS, handlers.ARCHIVE]


def once_a_day() -> Callable[[Database], Awaitable[int]]:
    """The daily scan, run at the first tick of each day (Asia/Shanghai) in this
    process; the ticks in between cost nothing. What a scan regenerates is kept in the
    database (`unit_horizon`), so a restart or a second replica regenerates nothing
    twice, and a deploy with a new rule set regenerates every unit at its first scan."""
    scanned: dict[str, date] = {}

    async def job(db: Database) -> int:
        today = clock.today()
        if scanned.get("day") == today:
            return 0
        recorded = await daily_scan(db, today)
        scanned["day"] = today
        return recorded

    return job


async def start(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, ComplianceSettings)
    # Reminders scheduled by the scan and the commands, delivered once per key: in-app
    # as an event in this service's outbox, email over SMTP (a maildir in development,
    # ECOHOST_COMPLIANCE_NOTIFY__EMAIL_MODE), webhooks signed (docs/notifications.md).
    # The worker's name says which host (pod) and process holds a row's lease.
    webhooks = WebhookTransport(runtime.db, settings.notify)
    worker = DeliveryWorker(
        runtime.db,
        [InAppTransport(runtime.tables, service=NAME), EmailTransport(settings.notify), webhooks],
        settings.notify,
        name=f"compliance:{socket.gethostname()[:40]}:{os.getpid()}:{new_id().hex[-6:]}",
    )

    async def deliver(stop: asyncio.Event) -> None:
        try:
            await worker.run(stop)
        finally:
            await webhooks.aclose()

    await runtime.start(
        register_endpoints=endpoints.register,
        subscriptions=await consumers(runtime),
        periodic=[PeriodicBatches("compliance-daily-scan", settings.scan_interval, once_a_day())],
        background=[deliver],
        description="Compliance calendar: permits, monitoring, obligations and my work",
    )
