"""Settings shared by every process; each process subclasses with its own env prefix.

A process reads only `ECOHOST_<PROCESS>_*` variables (e.g. `ECOHOST_ENGAGEMENT_DATABASE_URL`),
so one environment can configure all of them without ambiguity. One variable is shared on
purpose: `ECOHOST_ENVIRONMENT` (`development` or `production`), because a deployment is in
production as a whole, never one process of it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "production"]
ENVIRONMENT_VARIABLE = "ECOHOST_ENVIRONMENT"
PROCESSES = ("gateway", "engagement", "evaluation", "archive", "compliance")


def environment_field() -> Any:
    """The `environment` field every settings class declares: read from the one shared
    variable `ECOHOST_ENVIRONMENT`, whatever the class's own prefix (the class needs
    `populate_by_name=True` so that code and tests may still pass `environment=`)."""
    return Field(
        default="development",
        validation_alias=AliasChoices(ENVIRONMENT_VARIABLE),
        description="`production` (one variable for every process): refuses development "
        "secrets at startup and turns off GraphiQL, introspection and field suggestions.",
    )


class InsecureConfiguration(ValueError):
    """A production process was given a development secret (or none): it must not start."""


def check_environment_variables(environ: Mapping[str, str] | None = None) -> None:
    """Refuse per-process spellings of the shared variable (`ECOHOST_GATEWAY_ENVIRONMENT`):
    silently ignored, they would leave a deployment meant for production in development."""
    environ = os.environ if environ is None else environ
    stale = sorted(
        name
        for name in environ
        if name.upper() in {f"ECOHOST_{p.upper()}_ENVIRONMENT" for p in PROCESSES}
    )
    if stale:
        raise InsecureConfiguration(
            f"运行环境须用 {ENVIRONMENT_VARIABLE} 设置 / {', '.join(stale)} is not read: set "
            f"{ENVIRONMENT_VARIABLE}=production (shared by every process) instead"
        )


def require_production_secret(
    environment: str, variable: str, value: SecretStr | None, development_default: str
) -> None:
    """In production, refuse a secret that is unset, shorter than 32 bytes or equal to the
    development default written in the source (anyone can read it, so anyone could sign)."""
    if environment != "production":
        return
    secret = value.get_secret_value() if value is not None else ""
    if not secret or secret == development_default:
        raise InsecureConfiguration(
            f"生产环境不得使用开发密钥 / {variable} is unset or the development default; "
            f"set {variable} to a random secret of at least 32 bytes "
            f"(e.g. `openssl rand -base64 48`) before starting with "
            f"{ENVIRONMENT_VARIABLE}=production"
        )
    if len(secret.encode()) < 32:
        raise InsecureConfiguration(
            f"生产环境密钥过短 / {variable} must be at least 32 bytes in production"
        )


DATABASE_POOL_SIZE = 20
"""PostgreSQL connections a service process keeps, at most (kit.db)."""


class ProcessSettings(BaseSettings):
    """What every process needs: where NATS is, how to log, which environment it is in."""

    # hide_input_in_errors: a refused setting must not print the secrets beside it.
    model_config = SettingsConfigDict(
        extra="ignore", env_nested_delimiter="__", populate_by_name=True, hide_input_in_errors=True
    )

    environment: Environment = environment_field()

    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        description="Comma-separated NATS server URLs; the client reconnects across them.",
    )
    nats_connect_timeout: float = Field(default=2.0, description="Seconds per connect attempt.")
    rpc_timeout: float = Field(
        default=5.0, description="Seconds a request/reply call waits before ServiceUnavailable."
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: str = Field(
        default="json", description="`json` for machines, `console` for a terminal."
    )

    @property
    def nats_servers(self) -> list[str]:
        return [u.strip() for u in self.nats_url.split(",") if u.strip()]

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @model_validator(mode="after")
    def _no_per_process_environment(self) -> Self:
        check_environment_variables()
        return self


class ServiceSettings(ProcessSettings):
    """A service that owns a database and consumes/publishes events."""

    database_url: str = Field(
        default="sqlite+aiosqlite:///.ecohost/service.db",
        description="SQLAlchemy async URL: `postgresql+asyncpg://…` or `sqlite+aiosqlite:///path`.",
    )
    database_schema: str | None = Field(
        default=None,
        description="PostgreSQL schema owned by this service (default: the service name).",
    )
    database_pool_size: int = Field(
        default=DATABASE_POOL_SIZE,
        ge=2,
        le=1000,
        description="PostgreSQL connections this process opens at most, as it needs them, "
        "and keeps (none is opened and closed under load); the outbox relay's leader holds "
        "one for as long as it leads, so at least 2. PostgreSQL's `max_connections` must "
        "cover the sum over every process and replica. SQLite: always one.",
    )
    stream_replicas: int = Field(
        default=1,
        description="JetStream replicas of the event stream and of this service's durable "
        "consumers (3 in production, on a 3-node cluster).",
    )
    consumer_max_deliver: int = Field(
        default=5, description="Deliveries of one event before it becomes a dead letter."
    )
    consumer_ack_wait: float = Field(
        default=5.0,
        gt=0.0,
        description="Seconds without word from a consumer before JetStream delivers its "
        "unacknowledged events again (to it or another replica). A running consumer reports "
        "the events it holds as in progress, so this bounds how long a crashed one delays "
        "them; each further unanswered delivery waits twice as long, up to 120 s.",
    )
    consumer_linger: float = Field(
        default=0.005,
        ge=0.0,
        lt=1.0,
        description="Seconds a batching consumer waits for more events after the first of "
        "a fetch, so that several share one transaction (0: no wait).",
    )
    outbox_batch_size: int = Field(default=100, description="Events the relay publishes per batch.")
    outbox_poll_interval: float = Field(
        default=1.0, description="Seconds between outbox scans when nothing signals new events."
    )
    health_host: str = Field(
        default="127.0.0.1",
        description="Address of the health and metrics server (`0.0.0.0` in a pod).",
    )
    health_port: int | None = Field(
        default=None,
        description="Port serving `/health/live`, `/health/ready` and `/metrics`; unset: "
        "no server (the embedded default, where three services share one host).",
    )


def database_url_field(service: str) -> Any:
    """The `database_url` field of one service: its own SQLite file by default."""
    return Field(
        default=f"sqlite+aiosqlite:///.ecohost/{service}.db",
        description="SQLAlchemy async URL: `postgresql+asyncpg://user:pass@host/db` in "
        "production, `sqlite+aiosqlite:///path` for the embedded default.",
    )


def database_schema_field(service: str) -> Any:
    return Field(
        default=service,
        description="PostgreSQL schema this service owns (ignored on SQLite).",
    )
