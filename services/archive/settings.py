"""Settings of the archive service: environment variables `ECOHOST_ARCHIVE_*`."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from kit.settings import (
    Environment,
    InsecureConfiguration,
    ServiceSettings,
    database_schema_field,
    database_url_field,
    environment_field,
    require_production_secret,
)
from kit.storage.factory import DEV_SIGNING_KEY, StorageSettings


class ArchiveSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECOHOST_ARCHIVE_", extra="ignore")

    database_url: str = database_url_field("archive")
    database_schema: str | None = database_schema_field("archive")
    ledger_origin: str = Field(
        default="ecohost.local/ledger",
        description="The ledger's name in its checkpoints and the name of its signing key "
        "(C2SP origin: a schema-less URL naming this deployment, e.g. `ledger.example.cn`).",
    )
    ledger_signing_key: SecretStr | None = Field(
        default=None,
        description="Ed25519 private key seed (32 bytes, base64) that signs ledger "
        "checkpoints. Required in production; without it a development key is generated "
        "once into ledger_key_file, with a warning.",
    )
    ledger_key_file: Path = Field(
        default=Path(".ecohost/ledger-signing.key"),
        description="Where the development signing key is kept when ledger_signing_key is "
        "unset (base64 seed, mode 0600).",
    )
    ledger_checkpoint_interval: float = Field(
        default=60.0,
        description="Seconds between periodic checkpoints (made only when the ledger grew); "
        "0 turns them off, leaving on-demand checkpoints.",
    )
    upload_max_bytes: int = Field(
        default=2 * 1024**3,
        gt=0,
        description="Largest deliverable accepted by requestUpload, in bytes (default 2 GiB).",
    )
    upload_content_types: list[str] = Field(
        default_factory=lambda: [
            "application/pdf",
            "application/zip",
            "application/json",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/octet-stream",
            "image/*",
            "text/plain",
            "video/mp4",
        ],
        description="Content types requestUpload accepts (`type/*` allowed; JSON list); "
        "an empty list accepts any well-formed type.",
    )
    upload_url_ttl: float = Field(
        default=900.0,
        gt=0,
        le=7 * 86400,
        description="Seconds an upload URL is valid.",
    )
    upload_expiry: float = Field(
        default=86400.0,
        gt=0,
        description="Seconds after which an upload never completed is removed (item and "
        "any bytes already sent).",
    )
    upload_cleanup_interval: float = Field(
        default=300.0,
        ge=0,
        description="Seconds between sweeps for expired uploads; 0 turns the sweep off.",
    )
    download_url_ttl: float = Field(
        default=300.0,
        gt=0,
        le=7 * 86400,
        description="Seconds a download URL is valid (a borrowing grant may end sooner).",
    )

    @model_validator(mode="after")
    def _ledger_key_in_production(self) -> Self:
        # A generated key would differ per replica and vanish with the pod's filesystem.
        if self.production and self.ledger_signing_key is None:
            raise InsecureConfiguration(
                "生产环境须配置账本签名密钥 / ECOHOST_ARCHIVE_LEDGER_SIGNING_KEY is required "
                "with ECOHOST_ENVIRONMENT=production (a base64 32-byte seed: "
                "`openssl rand -base64 32`)"
            )
        return self


class ArchiveStorageSettings(StorageSettings):
    """Where the archive keeps deliverables: variables `ECOHOST_ARCHIVE_STORAGE_*`, e.g.
    `ECOHOST_ARCHIVE_STORAGE_BACKEND=s3`, `ECOHOST_ARCHIVE_STORAGE_S3_ENDPOINT=minio:9000`."""

    model_config = SettingsConfigDict(
        env_prefix="ECOHOST_ARCHIVE_STORAGE_",
        extra="ignore",
        populate_by_name=True,
        hide_input_in_errors=True,
    )

    environment: Environment = environment_field()

    @model_validator(mode="after")
    def _no_development_signing_key_in_production(self) -> Self:
        # Only the local backend signs its own URLs; S3 presigns with its credentials.
        if self.backend == "local":
            require_production_secret(
                self.environment,
                "ECOHOST_ARCHIVE_STORAGE_SIGNING_KEY",
                self.signing_key,
                DEV_SIGNING_KEY,
            )
        return self
