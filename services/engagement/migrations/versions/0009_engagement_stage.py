"""The engagement's column for its workflow stage is named `stage`

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

A plain column rename on both backends (SQLite renames in place since 3.25, so the
table, which other tables reference, is not rebuilt). No index or constraint names it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("engagement", "status", new_column_name="stage")


def downgrade() -> None:
    op.alter_column("engagement", "stage", new_column_name="status")
