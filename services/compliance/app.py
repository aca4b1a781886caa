"""Wiring of the compliance calendar service (合规日历): permits, monitoring plans,
obligations as occurrences over a rolling horizon, my work and calendar feeds."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from kit.ids import new_id
from kit.notify import DeliveryWorker, EmailTransport, InAppTransport, WebhookTransport
from kit.runtime import Periodic, ServiceRuntime, Subscription, build_runtime
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


def once_a_day() -> Callable[[AsyncSession], Awaitable[int]]:
    """The daily scan, run at the first tick of each day (Asia/Shanghai) in this
    process; the ticks in between cost nothing. The horizon is regenerated at the
    process's first scan (a deploy may bring a new rule set) and the first of each month
    (the horizon moves by months). Another replica's scan changes nothing twice."""
    scanned: dict[str, date] = {}

    async def job(session: AsyncSession) -> int:
        today = clock.today()
        if scanned.get("day") == today:
            return 0
        last = scanned.get("regenerated")
        regenerate = last is None or (last.year, last.month) != (today.year, today.month)
        recorded = await daily_scan(session, today, regenerate=regenerate)
        scanned["day"] = today
        if regenerate:
            scanned["regenerated"] = today
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
        periodic=[Periodic("compliance-daily-scan", settings.scan_interval, once_a_day())],
        background=[deliver],
        description="Compliance calendar: permits, monitoring, obligations and my work",
    )
