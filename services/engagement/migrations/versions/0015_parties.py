"""The agreement's assessment method (考核办法) and the client's acceptance (验收)

Existing engagements get no assessment method: they keep the behaviour from before
(the agency's evaluators score; evaluation opens at handover).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagement") as batch_op:
        batch_op.add_column(sa.Column("assessment", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("results_accepted_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("engagement") as batch_op:
        batch_op.drop_column("results_accepted_on")
        batch_op.drop_column("assessment")
