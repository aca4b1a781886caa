"""Region statistics: an index that serves the regulators' region-prefix LIKE on
scorecards on PostgreSQL (varchar_pattern_ops); a plain index on SQLite.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_scorecard_region_prefix",
        "scorecard",
        ["region_code"],
        postgresql_ops={"region_code": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_scorecard_region_prefix", table_name="scorecard")
