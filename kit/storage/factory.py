"""Storage settings and the one place that turns them into an ObjectStore."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit.storage.base import ObjectStore
from kit.storage.local import LocalStore
from kit.storage.s3 import S3Store

DEV_SIGNING_KEY = "ecohost-dev-signing-key-change-me"


class StorageSettings(BaseSettings):
    """Where objects live.

    No env prefix is set here on purpose: the process that embeds these settings
    chooses it in a subclass, e.g. the archive service with
    `model_config = SettingsConfigDict(env_prefix="ECOHOST_ARCHIVE_STORAGE_")`.
    """

    model_config = SettingsConfigDict(extra="ignore")

    backend: Literal["local", "s3"] = Field(
        default="local",
        description="`local` keeps files under local_root (embedded default); `s3` uses S3/MinIO.",
    )
    local_root: Path = Field(
        default=Path(".ecohost/objects"), description="Directory of the local backend."
    )
    s3_endpoint: str | None = Field(
        default=None,
        description="S3/MinIO `host:port`, without scheme (see s3_secure); required for s3.",
    )
    s3_access_key: str | None = Field(default=None, description="S3 access key; required for s3.")
    s3_secret_key: SecretStr | None = Field(
        default=None, description="S3 secret key; required for s3."
    )
    s3_bucket: str = Field(default="ecohost-archive", description="Bucket holding the objects.")
    s3_secure: bool = Field(default=True, description="Use HTTPS to reach the S3 endpoint.")
    s3_region: str = Field(default="us-east-1", description="Region the bucket is created in.")
    signing_key: SecretStr = Field(
        default=SecretStr(DEV_SIGNING_KEY),
        description=(
            "HMAC key for the local backend's presigned URLs. The default is for "
            "development only and MUST be changed wherever URLs leave the machine."
        ),
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000/files",
        description="Base URL of the route serving the local backend's presigned URLs.",
    )

    @field_validator("s3_endpoint")
    @classmethod
    def _endpoint_without_scheme(cls, value: str | None) -> str | None:
        if value is not None and "://" in value:
            raise ValueError("give host:port without a scheme; s3_secure selects https")
        return value

    @model_validator(mode="after")
    def _s3_is_complete(self) -> Self:
        # Fail when settings load, not on the first upload.
        if self.backend == "s3" and not (
            self.s3_endpoint and self.s3_access_key and self.s3_secret_key
        ):
            raise ValueError("backend s3 needs s3_endpoint, s3_access_key and s3_secret_key")
        return self


def build_store(settings: StorageSettings) -> ObjectStore:
    if settings.backend == "local":
        return LocalStore(
            settings.local_root,
            signing_key=settings.signing_key.get_secret_value().encode(),
            base_url=settings.public_base_url,
        )
    # The validator guarantees these; the check narrows the types.
    if not (settings.s3_endpoint and settings.s3_access_key and settings.s3_secret_key):
        raise ValueError("backend s3 needs s3_endpoint, s3_access_key and s3_secret_key")
    return S3Store(
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key.get_secret_value(),
        settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
    )
