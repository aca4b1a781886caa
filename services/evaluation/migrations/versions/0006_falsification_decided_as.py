"""A falsification keeps the role it was decided in: public disclosures name the role and
the agency, never the person

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Findings recorded before this revision have no role (null): their disclosures show none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("falsification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_as", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("falsification", schema=None) as batch_op:
        batch_op.drop_column("decided_as")
