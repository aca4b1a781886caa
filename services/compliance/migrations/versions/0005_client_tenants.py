"""Client tenants and unit links (issue 14): an engagement's client that is not one unit
(园区, 集团, 区域) with the units it covers, so its people (`client:<id>`) see their
calendar; proposals waiting for a unit not yet registered; and whether an agency's link to a unit is active, from
`engagement.unit_link_changed.v1`. Rows from before: no client, every link active.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_link") as batch:
        batch.add_column(sa.Column("client_id", sa.Uuid(), nullable=True))
        batch.create_index(batch.f("ix_engagement_link_client_id"), ["client_id"])
    with op.batch_alter_table("unit_agency") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "engagement_cover",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("engagement_id", "unit_id", name=op.f("pk_engagement_cover")),
    )
    op.create_index(op.f("ix_engagement_cover_unit_id"), "engagement_cover", ["unit_id"])
    op.create_table(
        "unwaited_proposal",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_unwaited_proposal")),
    )
    op.create_index(op.f("ix_unwaited_proposal_uscc"), "unwaited_proposal", ["uscc"])


def downgrade() -> None:
    op.drop_index(op.f("ix_unwaited_proposal_uscc"), table_name="unwaited_proposal")
    op.drop_table("unwaited_proposal")
    op.drop_index(op.f("ix_engagement_cover_unit_id"), table_name="engagement_cover")
    op.drop_table("engagement_cover")
    with op.batch_alter_table("unit_agency") as batch:
        batch.drop_column("active")
    with op.batch_alter_table("engagement_link") as batch:
        batch.drop_index(batch.f("ix_engagement_link_client_id"))
        batch.drop_column("client_id")
