"""Wiring of the engagement service (托管服务 workflow): database, endpoints, relay."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kit.runtime import Periodic, ServiceRuntime, Subscription, build_runtime
from services.engagement import clock, endpoints, handlers
from services.engagement.models import Base, messaging
from services.engagement.registry import commands as registry_commands
from services.engagement.settings import EngagementSettings
from services.engagement.workflow.commands import overdue

NAME = "engagement"
MIGRATIONS = Path(__file__).parent / "migrations"
METADATA = Base.metadata


def build(settings: EngagementSettings | None = None) -> ServiceRuntime:
    return build_runtime(NAME, settings or EngagementSettings(), messaging)


async def consumers(runtime: ServiceRuntime) -> list[Subscription]:
    """The durable consumers and their handlers (also what a dead-letter replay runs)."""
    return [handlers.EVALUATION_RESULTS, handlers.EVIDENCE_UPLOADS, handlers.REGISTERED_PERMITS]


async def start(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, EngagementSettings)
    await runtime.start(
        register_endpoints=endpoints.register,
        subscriptions=await consumers(runtime),
        periodic=[
            Periodic(
                "overdue-time-nodes",
                settings.overdue_check_interval,
                lambda session: overdue.notify_overdue(session, clock.today()),
            ),
            Periodic(
                "expire-unit-link-requests",
                settings.overdue_check_interval,
                lambda session: registry_commands.expire_requests(session, datetime.now(UTC)),
            ),
        ],
        description="Engagements, the unit directory and the hosting-service workflow",
    )
