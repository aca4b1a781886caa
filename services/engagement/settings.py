"""Settings of the engagement service: environment variables `ECOHOST_ENGAGEMENT_*`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class EngagementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECOHOST_ENGAGEMENT_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.ecohost/engagement.db"
    database_schema: str | None = "engagement"
