"""Evidence uploads: the engagement record an upload was requested from

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

A nullable column: replicas of the previous release neither read nor write it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("archive_item") as batch:
        batch.add_column(sa.Column("evidence_for", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("archive_item") as batch:
        batch.drop_column("evidence_for")
