"""Wiring of the evaluation service (绩效评价, Appendix C)."""

from __future__ import annotations

from pathlib import Path

from kit.runtime import ServiceRuntime, Subscription, build_runtime
from services.evaluation import endpoints, handlers
from services.evaluation.models import Base, messaging
from services.evaluation.settings import EvaluationSettings

NAME = "evaluation"
MIGRATIONS = Path(__file__).parent / "migrations"
METADATA = Base.metadata


def build(settings: EvaluationSettings | None = None) -> ServiceRuntime:
    return build_runtime(NAME, settings or EvaluationSettings(), messaging)


async def consumers(runtime: ServiceRuntime) -> list[Subscription]:
    """The durable consumers and their handlers (also what a dead-letter replay runs)."""
    return [handlers.ENGAGEMENTS]


async def start(runtime: ServiceRuntime) -> None:
    await runtime.start(
        register_endpoints=endpoints.register,
        subscriptions=await consumers(runtime),
        description="Performance evaluation per Appendix C: scorecards and grades",
    )
