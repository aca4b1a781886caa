"""Settings of the archive service: environment variables `ECOHOST_ARCHIVE_*`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class ArchiveSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECOHOST_ARCHIVE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.ecohost/archive.db"
    database_schema: str | None = "archive"
