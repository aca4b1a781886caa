"""Registered permits (排污许可证) as the compliance service's events told them, for the
bulk import of units with their permits

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registered_permit",
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("permit_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_registered_permit")),
    )
    op.create_index(op.f("ix_registered_permit_unit_id"), "registered_permit", ["unit_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_registered_permit_unit_id"), table_name="registered_permit")
    op.drop_table("registered_permit")
