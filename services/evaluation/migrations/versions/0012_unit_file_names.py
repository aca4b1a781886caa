"""The name in an agency's own file of a unit the registry already had (a provisional
link, issue 14), for that agency's scorecard exports until the unit shares its file.

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
    op.create_table(
        "unit_file_name",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "agency_id", name=op.f("pk_unit_file_name")),
    )


def downgrade() -> None:
    op.drop_table("unit_file_name")
