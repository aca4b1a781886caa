"""Settings shared by every process; each process subclasses with its own env prefix.

A process reads only `ECOHOST_<PROCESS>_*` variables (e.g. `ECOHOST_ENGAGEMENT_DATABASE_URL`),
so one environment can configure all of them without ambiguity.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProcessSettings(BaseSettings):
    """What every process needs: where NATS is, how to log."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

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
    stream_replicas: int = Field(
        default=1, description="JetStream replicas for the event stream (3 in production)."
    )
    consumer_max_deliver: int = Field(
        default=5, description="Deliveries of one event before it becomes a dead letter."
    )
    consumer_ack_wait: float = Field(
        default=30.0, description="Seconds before an unacknowledged event is redelivered."
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
