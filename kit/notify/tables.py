"""The notify tables. They live in the database of the service that schedules
reminders, beside its own tables, and are created by kit's `notify` migration branch
(`kit/migrations/notify/`, which a service opts into; see docs/notifications.md).

The library's SQL uses these Table objects directly: PostgreSQL finds them through
the service's `search_path`. A service adds copies to its own metadata with
`add_notify_tables(METADATA)` so that its migration checks see them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

from kit.db import NAMING_CONVENTION, UtcDateTime

_SEQ = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(naming_convention=NAMING_CONVENTION)

notifications = Table(
    "notify_notifications",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    # The idempotency key: one row, hence one delivery, per key, ever.
    Column("key", String(300), nullable=False, unique=True),
    Column("tenant", String(100), nullable=False),
    Column("recipient", String(100), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("address", String(500), nullable=True),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    # When a worker may take it next: due_at at first, later the retry's backoff.
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
)
# The worker's two scans: due pending rows, and sending rows whose lease ran out.
Index(
    "ix_notify_notifications_due",
    notifications.c.status,
    notifications.c.next_attempt_at,
)
Index(
    "ix_notify_notifications_recipient",
    notifications.c.tenant,
    notifications.c.recipient,
    notifications.c.id,
)

deliveries = Table(
    "notify_deliveries",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column(
        "notification_id",
        _SEQ,
        ForeignKey("notify_notifications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("tenant", String(100), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("error", Text, nullable=True),
    Column("worker", String(100), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
)
Index("ix_notify_deliveries_tenant", deliveries.c.tenant, deliveries.c.id)
Index("ix_notify_deliveries_notification_id", deliveries.c.notification_id)

preferences = Table(
    "notify_preferences",
    metadata,
    Column("tenant", String(100), primary_key=True),
    # A person's id, or TENANT_DEFAULT for the admin's default of the tenant.
    Column("person", String(100), primary_key=True),
    Column("channels", Text, nullable=False),  # JSON list of Channel values
    Column("lead_days", Text, nullable=False),  # JSON list of ints
    Column("updated_at", UtcDateTime, nullable=False),
)

webhook_endpoints = Table(
    "notify_webhook_endpoints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("url", String(2000), nullable=False),
    # ecohost's HMAC key; a DingTalk robot's 加签 secret, or "" (kit/notify/bots.py).
    Column("secret", String(200), nullable=False),
    Column("format", String(16), nullable=False, server_default="ecohost"),
    Column("enabled", Boolean, nullable=False),
    Column("consecutive_failures", Integer, nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_notify_webhook_endpoints_tenant", webhook_endpoints.c.tenant)

TENANT_DEFAULT = "*"


def add_notify_tables(target: MetaData) -> None:
    """Copy the notify tables into a service's metadata (for its migration checks)."""
    for table in metadata.sorted_tables:
        table.to_metadata(target)
