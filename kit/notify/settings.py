"""Delivery settings, nested in a service's settings as `notify`, so they are read
from `ECOHOST_<SERVICE>_NOTIFY__<FIELD>` (e.g. `ECOHOST_COMPLIANCE_NOTIFY__EMAIL_MODE=smtp`),
following kit/settings conventions (one prefix per process, `__` for nesting)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, SecretStr, model_validator

EmailMode = Literal["maildir", "console", "smtp"]


class NotifySettings(BaseModel):
    # --- email
    email_mode: EmailMode = Field(
        default="maildir",
        description="`maildir` (development default: each message written to `maildir_path` "
        "to show what would be sent), `console` (logged), or `smtp` (really sent).",
    )
    maildir_path: str = Field(
        default=".ecohost/mail", description="Maildir the development sink writes to."
    )
    mail_from: str = Field(
        default="环保管家提醒 <noreply@ecohost.localhost>", description="The From header."
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server (email_mode=smtp).")
    smtp_port: int = Field(default=587, description="SMTP port: 587 submission, 465 TLS.")
    smtp_username: str | None = Field(default=None, description="SMTP login, if any.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="`starttls` (port 587), `tls` (implicit, port 465) or `none` (tests only).",
    )
    smtp_timeout: float = Field(default=30.0, description="Seconds for one SMTP send.")
    message_id_domain: str = Field(
        default="ecohost.localhost",
        description="Right-hand side of the stable Message-ID derived from a notification key.",
    )
    # --- webhooks
    webhook_timeout: float = Field(default=10.0, description="Seconds for one webhook POST.")
    webhook_disable_after: int = Field(
        default=10, ge=1, description="Consecutive failures after which an endpoint is disabled."
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Deliver webhooks to loopback, private and link-local addresses "
        "(development and tests). Off: only public addresses (no request forgery inward).",
    )
    # --- the worker
    batch_size: int = Field(default=50, ge=1, description="Rows one claim takes.")
    concurrency: int = Field(default=8, ge=1, description="Sends in flight per worker.")
    lease_seconds: float = Field(
        default=120.0,
        description="How long a claimed row is this worker's; after it, another worker "
        "takes it over. Must exceed the longest send timeout.",
    )
    poll_interval: float = Field(default=5.0, description="Seconds between scans when idle.")
    max_attempts: int = Field(default=6, ge=1, description="Attempts before a row fails.")
    backoff_base: float = Field(
        default=30.0, description="Seconds before the 2nd attempt; doubled for each next."
    )
    backoff_max: float = Field(default=3600.0, description="Longest wait between attempts.")

    @model_validator(mode="after")
    def _lease_outlives_a_send(self) -> Self:
        # A lease that ran out mid-send would let a second worker send the same row.
        longest = max(self.smtp_timeout, self.webhook_timeout)
        if self.lease_seconds <= longest:
            raise ValueError(
                f"lease_seconds ({self.lease_seconds}) must exceed the send timeouts ({longest})"
            )
        return self
