"""Provisional links (issue 14): an agency that entered a unit the registry already had
works from its own file of it. Its link shows it what it registered itself and nothing of
other agencies' (`provisional`), under the name in its own file (`file_name`), until the
unit shares its file. Rows from before: not provisional, no file name.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit_agency") as batch:
        batch.add_column(
            sa.Column("provisional", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("file_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unit_agency") as batch:
        batch.drop_column("file_name")
        batch.drop_column("provisional")
