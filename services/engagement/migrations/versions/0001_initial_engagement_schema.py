"""initial engagement schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28

The outbox, inbox and dead letters come from kit's `messaging` branch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "messaging_0001"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "unit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("uscc", name=op.f("uq_unit_uscc")),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unit_region_code"), ["region_code"], unique=False)

    op.create_table(
        "engagement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("service_modes", sa.JSON(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_engagement_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement")),
    )
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_engagement_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_engagement_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_unit_id"))
        batch_op.drop_index(batch_op.f("ix_engagement_agency_id"))

    op.drop_table("engagement")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_region_code"))
        batch_op.drop_index(batch_op.f("ix_unit_agency_id"))

    op.drop_table("unit")
