"""initial evaluation schema

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
        "engagement_registration",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("source_event_id", sa.Uuid(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("engagement_id", name=op.f("pk_engagement_registration")),
        sa.UniqueConstraint(
            "source_event_id", name=op.f("uq_engagement_registration_source_event_id")
        ),
    )
    with op.batch_alter_table("engagement_registration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagement_registration_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_engagement_registration_unit_id"), ["unit_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("engagement_registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_registration_unit_id"))
        batch_op.drop_index(batch_op.f("ix_engagement_registration_agency_id"))

    op.drop_table("engagement_registration")
