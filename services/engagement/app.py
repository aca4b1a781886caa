"""Wiring of the engagement service (托管服务 workflow): database, endpoints, relay."""

from __future__ import annotations

from pathlib import Path

from kit.db import Database
from kit.runtime import ServiceRuntime
from services.engagement import endpoints
from services.engagement.models import Base, messaging
from services.engagement.settings import EngagementSettings

NAME = "engagement"
MIGRATIONS = Path(__file__).parent / "migrations"
METADATA = Base.metadata


def build(settings: EngagementSettings | None = None) -> ServiceRuntime:
    settings = settings or EngagementSettings()
    db = Database(settings.database_url, schema=settings.database_schema)
    return ServiceRuntime(name=NAME, settings=settings, db=db, tables=messaging)


async def start(runtime: ServiceRuntime) -> None:
    await runtime.start(
        register_endpoints=endpoints.register,
        subscriptions=[],
        description="Engagements, the unit directory and the hosting-service workflow",
    )
