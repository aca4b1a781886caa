"""Settings of the archive service: environment variables `ECOHOST_ARCHIVE_*`."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from contracts.archive.documents import DocumentKind
from contracts.archive.enums import Retention
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

    document_levels: dict[DocumentKind, int] = Field(
        default_factory=lambda: {kind: 1 for kind in DocumentKind},
        description="Confidentiality level (密级, 0 公开 … 3 机密) a generated document of "
        "each kind is filed at (JSON object by kind; kinds left out: 1, 内部).",
    )
    document_retention: dict[DocumentKind, Retention] = Field(
        default_factory=lambda: {
            kind: Retention.YEARS_30
            if kind in (DocumentKind.RESULTS_REPORT, DocumentKind.EVALUATION_TABLE)
            else Retention.YEARS_10
            for kind in DocumentKind
        },
        description="Retention period (保管期限) of a generated document of each kind "
        "(JSON object by kind; kinds left out: years_10).",
    )
    document_max_attempts: int = Field(
        default=3,
        ge=1,
        le=20,
        description="Attempts a document generation job gets (a crashed worker's attempt "
        "counts) before it fails.",
    )
    document_lease: float = Field(
        default=300.0,
        gt=0,
        description="Seconds a worker holds a generation job without reporting progress "
        "before another may take it over.",
    )
    document_poll_interval: float = Field(
        default=2.0,
        gt=0,
        description="Seconds between looks for queued generation jobs (a job queued by this "
        "replica wakes its worker at once).",
    )
    document_workers: int = Field(
        default=1,
        ge=0,
        le=16,
        description="Documents one archive replica renders at the same time; 0 runs no "
        "worker in this replica.",
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
