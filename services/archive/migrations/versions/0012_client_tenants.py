"""Client tenants (issue 14): the engagement's client that is not one unit (园区, 集团,
区域), learnt from `engagement.created.v1`, on the engagement's parties and on each item,
so its people (`client:<id>`) see what the unit sees. Nullable: rows from before carry
none, and replicas of the previous release neither read nor write them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_parties") as batch:
        batch.add_column(sa.Column("client_id", sa.Uuid(), nullable=True))
    with op.batch_alter_table("archive_item") as batch:
        batch.add_column(sa.Column("client_id", sa.Uuid(), nullable=True))
        batch.create_index(batch.f("ix_archive_item_client_id"), ["client_id"])


def downgrade() -> None:
    with op.batch_alter_table("archive_item") as batch:
        batch.drop_index(batch.f("ix_archive_item_client_id"))
        batch.drop_column("client_id")
    with op.batch_alter_table("engagement_parties") as batch:
        batch.drop_column("client_id")
