"""Settings of the evaluation service: environment variables `ECOHOST_EVALUATION_*`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECOHOST_EVALUATION_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.ecohost/evaluation.db"
    database_schema: str | None = "evaluation"
