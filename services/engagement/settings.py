"""Settings of the engagement service: environment variables `ECOHOST_ENGAGEMENT_*`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings, database_schema_field, database_url_field


class EngagementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECOHOST_ENGAGEMENT_", extra="ignore")

    database_url: str = database_url_field("engagement")
    database_schema: str | None = database_schema_field("engagement")
    timezone: str = Field(
        default="Asia/Shanghai",
        description="Time zone in which time nodes (due dates) fall due.",
    )
    overdue_check_interval: float = Field(
        default=60.0, description="Seconds between scans for time nodes that became overdue."
    )
