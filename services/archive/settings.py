"""Settings of the archive service: environment variables `ECOHOST_ARCHIVE_*`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings, database_schema_field, database_url_field
from kit.storage.factory import StorageSettings


class ArchiveSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECOHOST_ARCHIVE_", extra="ignore")

    database_url: str = database_url_field("archive")
    database_schema: str | None = database_schema_field("archive")


class ArchiveStorageSettings(StorageSettings):
    """Where the archive keeps deliverables: variables `ECOHOST_ARCHIVE_STORAGE_*`, e.g.
    `ECOHOST_ARCHIVE_STORAGE_BACKEND=s3`, `ECOHOST_ARCHIVE_STORAGE_S3_ENDPOINT=minio:9000`."""

    model_config = SettingsConfigDict(env_prefix="ECOHOST_ARCHIVE_STORAGE_", extra="ignore")
