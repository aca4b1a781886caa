"""Client tenants (issue 14): the engagement's client that is not one unit (园区, 集团,
区域), from `engagement.created.v1`, so its people (`client:<id>`) see and score the
engagement's cards. Engagements registered before carry none.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_registration") as batch:
        batch.add_column(sa.Column("client_id", sa.Uuid(), nullable=True))
        batch.create_index(batch.f("ix_engagement_registration_client_id"), ["client_id"])


def downgrade() -> None:
    with op.batch_alter_table("engagement_registration") as batch:
        batch.drop_index(batch.f("ix_engagement_registration_client_id"))
        batch.drop_column("client_id")
