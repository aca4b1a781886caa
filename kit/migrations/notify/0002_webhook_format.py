"""webhook endpoints say what they receive: ecohost's signed JSON, or a 钉钉/企业微信
robot's text message

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-12-03

Existing endpoints keep receiving ecohost's JSON (the server default).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0002"
down_revision: str | Sequence[str] | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notify_webhook_endpoints") as batch:
        batch.add_column(
            sa.Column("format", sa.String(length=16), nullable=False, server_default="ecohost")
        )


def downgrade() -> None:
    with op.batch_alter_table("notify_webhook_endpoints") as batch:
        batch.drop_column("format")
