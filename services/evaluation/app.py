"""Wiring of the evaluation service (绩效评价, Appendix C)."""

from __future__ import annotations

from pathlib import Path

from kit.db import Database
from kit.runtime import ServiceRuntime
from services.evaluation import endpoints, handlers
from services.evaluation.models import Base, messaging
from services.evaluation.settings import EvaluationSettings

NAME = "evaluation"
MIGRATIONS = Path(__file__).parent / "migrations"
METADATA = Base.metadata


def build(settings: EvaluationSettings | None = None) -> ServiceRuntime:
    settings = settings or EvaluationSettings()
    db = Database(settings.database_url, schema=settings.database_schema)
    return ServiceRuntime(name=NAME, settings=settings, db=db, tables=messaging)


async def start(runtime: ServiceRuntime) -> None:
    await runtime.start(
        register_endpoints=endpoints.register,
        subscriptions=[handlers.ENGAGEMENTS],
        description="Performance evaluation per Appendix C: scorecards and grades",
    )
