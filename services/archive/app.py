"""Wiring of the archive service (档案与追溯): trace ledger consumer and endpoints."""

from __future__ import annotations

from pathlib import Path

from kit.db import Database
from kit.runtime import ServiceRuntime
from services.archive import endpoints, handlers
from services.archive.models import Base, messaging
from services.archive.settings import ArchiveSettings

NAME = "archive"
MIGRATIONS = Path(__file__).parent / "migrations"
METADATA = Base.metadata


def build(settings: ArchiveSettings | None = None) -> ServiceRuntime:
    settings = settings or ArchiveSettings()
    db = Database(settings.database_url, schema=settings.database_schema)
    return ServiceRuntime(name=NAME, settings=settings, db=db, tables=messaging)


async def start(runtime: ServiceRuntime) -> None:
    await runtime.start(
        register_endpoints=endpoints.register,
        subscriptions=[handlers.TRACE],
        description="Archive: deliverables, handover, access control and the trace ledger",
    )
