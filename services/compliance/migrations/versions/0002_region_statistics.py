"""Region statistics: an index that serves a region-prefix LIKE over open occurrences by
due date on PostgreSQL (varchar_pattern_ops); a plain index on SQLite.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_occurrence_region_prefix",
        "occurrence",
        ["region_code", "status", "due_date"],
        postgresql_ops={"region_code": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_occurrence_region_prefix", table_name="occurrence")
