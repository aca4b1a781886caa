"""Settings of the evaluation service: environment variables `ECOHOST_EVALUATION_*`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings, database_schema_field, database_url_field


class EvaluationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECOHOST_EVALUATION_", extra="ignore")

    database_url: str = database_url_field("evaluation")
    database_schema: str | None = database_schema_field("evaluation")
