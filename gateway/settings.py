"""Settings of the GraphQL gateway: environment variables `ECOHOST_GATEWAY_*`.

Nested auth settings use a double underscore: `ECOHOST_GATEWAY_AUTH__SECRET`,
`ECOHOST_GATEWAY_AUTH__ALGORITHM=RS256`, `ECOHOST_GATEWAY_AUTH__JWKS_URL=…`.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from kit.auth import DEV_SECRET, AuthSettings
from kit.settings import ProcessSettings, require_production_secret


class GatewaySettings(ProcessSettings):
    model_config = SettingsConfigDict(
        env_prefix="ECOHOST_GATEWAY_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
        hide_input_in_errors=True,
    )

    host: str = Field(default="127.0.0.1", description="Address uvicorn binds.")
    port: int = Field(default=8000, description="Port uvicorn binds.")
    database_url: str = Field(
        default="sqlite+aiosqlite:///.ecohost/gateway.db",
        description="Where casbin policies live (seeded from gateway/authz/policy.csv).",
    )
    auth: AuthSettings = Field(default_factory=AuthSettings)
    max_depth: int = Field(default=10, description="Deepest selection a query may nest.")
    max_aliases: int = Field(default=30, description="Aliases per operation.")
    max_tokens: int = Field(default=2000, description="Lexer tokens per operation.")
    max_cost: int = Field(
        default=20_000,
        description="Estimated cost per operation: 1 a field, times the page size (`first`, "
        "`limit`; the largest allowed page when it is a variable) for lists under it.",
    )
    max_batch_operations: int = Field(
        default=5, description="Operations in one batched (JSON array) request; 0 refuses batches."
    )
    max_body_bytes: int = Field(
        default=256 * 1024, description="Largest request body; larger ones get 413."
    )
    execution_timeout: float = Field(
        default=15.0, description="Seconds an operation may run before it is cancelled."
    )
    persisted_queries: Literal["off", "automatic", "allow_list"] = Field(
        default="automatic",
        description="`automatic`: the APQ sha256 protocol (unknown hashes are learned); "
        "`allow_list`: only operations in `persisted_queries_path` run (use in production).",
    )
    persisted_queries_path: str | None = Field(
        default=None,
        description="A JSON file `{sha256: query}` or a directory of `*.graphql` files: "
        "registered operations, served by hash in either mode.",
    )
    persisted_queries_cache_size: int = Field(
        default=1000, description="Automatic persisted queries kept in memory (LRU)."
    )
    max_subscriptions_per_connection: int = Field(
        default=10,
        ge=1,
        description="Subscriptions one WebSocket connection may hold at once (each is a NATS "
        "subscription with its own buffer); one more is refused with "
        "`TOO_MANY_SUBSCRIPTIONS`, the connection stays open.",
    )
    subscription_pending_msgs: int = Field(
        default=256,
        ge=1,
        description="Events a subscription may hold unsent; one more closes it as a slow "
        "consumer (`SLOW_CONSUMER`) instead of growing memory.",
    )
    subscription_pending_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        description="Bytes of events a subscription may hold unsent; see "
        "`subscription_pending_msgs`.",
    )

    @model_validator(mode="after")
    def _no_development_secret_in_production(self) -> Self:
        # RS256 keys come from the identity provider; only a shared secret can be public.
        if self.auth.algorithm == "HS256":
            require_production_secret(
                self.environment, "ECOHOST_GATEWAY_AUTH__SECRET", self.auth.secret, DEV_SECRET
            )
        return self
