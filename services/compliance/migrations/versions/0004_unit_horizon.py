"""unit horizon: when each unit's occurrences are next regenerated, and under which rule set

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

No backfill: a unit without a row is regenerated at the next daily scan, once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_horizon",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("ruleset_version", sa.String(length=20), nullable=False),
        sa.Column("generated_on", sa.Date(), nullable=False),
        sa.Column("next_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_unit_horizon")),
    )
    op.create_index(op.f("ix_unit_horizon_next_on"), "unit_horizon", ["next_on"])


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_horizon_next_on"), table_name="unit_horizon")
    op.drop_table("unit_horizon")
