"""The reminder delivery tables (`kit.notify`): notifications, their delivery log,
per-person preferences and webhook endpoints

Revision ID: notify_0001
Revises:
Create Date: 2026-12-03

First step of the `notify` branch. Unlike `messaging`, a service opts into it (by
naming it in its `migrations/kit_branches`, see `kit.migrate`): only a service that
schedules reminders carries these tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("notify",)
depends_on: str | Sequence[str] | None = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notify_notifications",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_notify_notifications_key")),
    )
    op.create_index(
        "ix_notify_notifications_due",
        "notify_notifications",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        "ix_notify_notifications_recipient",
        "notify_notifications",
        ["tenant", "recipient", "id"],
        unique=False,
    )
    op.create_table(
        "notify_deliveries",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("notification_id", _SEQ, nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notify_notifications.id"],
            name=op.f("fk_notify_deliveries_notification_id_notify_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_deliveries")),
    )
    op.create_index(
        "ix_notify_deliveries_tenant", "notify_deliveries", ["tenant", "id"], unique=False
    )
    op.create_index(
        "ix_notify_deliveries_notification_id",
        "notify_deliveries",
        ["notification_id"],
        unique=False,
    )
    op.create_table(
        "notify_preferences",
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("lead_days", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "person", name=op.f("pk_notify_preferences")),
    )
    op.create_table(
        "notify_webhook_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_webhook_endpoints")),
    )
    op.create_index(
        "ix_notify_webhook_endpoints_tenant",
        "notify_webhook_endpoints",
        ["tenant"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_notify_webhook_endpoints_tenant", table_name="notify_webhook_endpoints")
    op.drop_table("notify_webhook_endpoints")
    op.drop_table("notify_preferences")
    op.drop_index("ix_notify_deliveries_notification_id", table_name="notify_deliveries")
    op.drop_index("ix_notify_deliveries_tenant", table_name="notify_deliveries")
    op.drop_table("notify_deliveries")
    op.drop_index("ix_notify_notifications_recipient", table_name="notify_notifications")
    op.drop_index("ix_notify_notifications_due", table_name="notify_notifications")
    op.drop_table("notify_notifications")
