"""Production refuses development secrets (issue 11, item 2): one `ECOHOST_ENVIRONMENT`
for every process, and each process's settings loader refuses, at startup, a signing
secret that is unset or the development default written in the source."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from gateway.files import FileRouteSettings
from gateway.settings import GatewaySettings
from kit.auth import DEV_SECRET
from kit.settings import ProcessSettings
from kit.storage.factory import DEV_SIGNING_KEY
from services.archive.settings import ArchiveSettings, ArchiveStorageSettings
from services.engagement.settings import EngagementSettings
from services.evaluation.settings import EvaluationSettings

STRONG = "a-production-secret-that-is-long-enough-0123456789"
LEDGER_SEED = base64.b64encode(bytes(range(32))).decode()
LOADERS: list[type[ProcessSettings]] = [
    GatewaySettings,
    EngagementSettings,
    EvaluationSettings,
    ArchiveSettings,
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ECOHOST_"):
            monkeypatch.delenv(name)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOHOST_ENVIRONMENT", "production")


@pytest.mark.parametrize("loader", LOADERS)
def test_every_process_reads_the_one_shared_environment_variable(
    loader: type[ProcessSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert loader().environment == "development"
    monkeypatch.setenv("ECOHOST_ENVIRONMENT", "production")
    monkeypatch.setenv("ECOHOST_GATEWAY_AUTH__SECRET", STRONG)
    monkeypatch.setenv("ECOHOST_ARCHIVE_LEDGER_SIGNING_KEY", LEDGER_SEED)
    settings = loader()
    assert (settings.environment, settings.production) == ("production", True)


@pytest.mark.parametrize("loader", LOADERS)
def test_a_per_process_environment_variable_is_refused_not_ignored(
    loader: type[ProcessSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Silently ignored, it would leave a deployment meant for production in development.
    monkeypatch.setenv("ECOHOST_GATEWAY_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="ECOHOST_ENVIRONMENT"):
        loader()


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("secret", [None, DEV_SECRET])
def test_production_gateway_refuses_a_missing_or_development_jwt_secret(
    secret: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if secret is not None:
        monkeypatch.setenv("ECOHOST_GATEWAY_AUTH__SECRET", secret)
    with pytest.raises(ValidationError, match="ECOHOST_GATEWAY_AUTH__SECRET") as refused:
        GatewaySettings()
    assert DEV_SECRET not in str(refused.value)


@pytest.mark.usefixtures("production")
def test_production_gateway_starts_with_its_own_secret_or_an_identity_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ECOHOST_GATEWAY_AUTH__SECRET", STRONG)
    assert GatewaySettings().production
    monkeypatch.delenv("ECOHOST_GATEWAY_AUTH__SECRET")
    monkeypatch.setenv("ECOHOST_GATEWAY_AUTH__ALGORITHM", "RS256")
    monkeypatch.setenv("ECOHOST_GATEWAY_AUTH__JWKS_URL", "https://idp.example.cn/jwks")
    assert GatewaySettings().production  # no shared secret in use: nothing to refuse


def test_development_keeps_the_default_secrets_for_a_fresh_clone() -> None:
    assert GatewaySettings().auth.secret.get_secret_value() == DEV_SECRET
    assert ArchiveStorageSettings().signing_key.get_secret_value() == DEV_SIGNING_KEY
    assert FileRouteSettings().signing_key.get_secret_value() == DEV_SIGNING_KEY


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("loader", [ArchiveStorageSettings, FileRouteSettings])
@pytest.mark.parametrize("key", [None, DEV_SIGNING_KEY, "short"])
def test_production_refuses_a_missing_or_development_file_url_key(
    loader: type[ArchiveStorageSettings | FileRouteSettings],
    key: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The archive signs the local store's URLs and the gateway verifies them.
    if key is not None:
        monkeypatch.setenv("ECOHOST_ARCHIVE_STORAGE_SIGNING_KEY", key)
    with pytest.raises(ValidationError, match="ECOHOST_ARCHIVE_STORAGE_SIGNING_KEY"):
        loader()


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("loader", [ArchiveStorageSettings, FileRouteSettings])
def test_production_file_url_key_checks(
    loader: type[ArchiveStorageSettings | FileRouteSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOHOST_ARCHIVE_STORAGE_SIGNING_KEY", STRONG)
    assert loader().environment == "production"
    # With S3 the URLs are presigned by S3 itself: the local key is not used.
    monkeypatch.delenv("ECOHOST_ARCHIVE_STORAGE_SIGNING_KEY")
    monkeypatch.setenv("ECOHOST_ARCHIVE_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("ECOHOST_ARCHIVE_STORAGE_S3_ENDPOINT", "s3.example.cn")
    monkeypatch.setenv("ECOHOST_ARCHIVE_STORAGE_S3_ACCESS_KEY", "k")
    monkeypatch.setenv("ECOHOST_ARCHIVE_STORAGE_S3_SECRET_KEY", "s")
    assert loader().backend == "s3"


@pytest.mark.usefixtures("production")
def test_production_archive_needs_its_ledger_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="ECOHOST_ARCHIVE_LEDGER_SIGNING_KEY"):
        ArchiveSettings()
    monkeypatch.setenv("ECOHOST_ARCHIVE_LEDGER_SIGNING_KEY", LEDGER_SEED)
    assert ArchiveSettings().production


@pytest.mark.parametrize(
    ("module", "variable"),
    [
        ("gateway", "ECOHOST_GATEWAY_AUTH__SECRET"),
        ("services.archive", "ECOHOST_ARCHIVE_LEDGER_SIGNING_KEY"),
    ],
)
def test_a_production_process_exits_at_startup_naming_the_variable(
    module: str, variable: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOHOST_")}
    env["ECOHOST_ENVIRONMENT"] = "production"
    started = subprocess.run(
        [sys.executable, "-m", module],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert variable in started.stderr
