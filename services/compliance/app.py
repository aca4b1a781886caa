"""Wiring of the compliance calendar service (合规日历): permits, monitoring plans,
obligations as occurrences over a rolling horizon, my work and calendar feeds."""

from __future__ import annotations

from pathlib import Path

from kit.ids import new_id
from kit.notify import DeliveryWorker, InAppTransport
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


async def start(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, ComplianceSettings)
    # Reminders scheduled by the scan and the commands, delivered once per key; in-app
    # delivery is an event in this service's outbox (kit.notify.InAppTransport).
    worker = DeliveryWorker(
        runtime.db,
        [InAppTransport(runtime.tables, service=NAME)],
        settings.notify,
        name=f"compliance:{new_id().hex[-8:]}",
    )
    await runtime.start(
        register_endpoints=endpoints.register,
        subscriptions=await consumers(runtime),
        periodic=[
            Periodic(
                "compliance-daily-scan",
                settings.scan_interval,
                lambda session: daily_scan(session, clock.today()),
            )
        ],
        background=[worker.run],
        description="Compliance calendar: permits, monitoring, obligations and my work",
    )
