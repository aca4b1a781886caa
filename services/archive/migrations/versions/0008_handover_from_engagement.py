"""A handover is the engagement's handover step (R4.2.4.2): the day it names and the
required kinds waived, with their reasons

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-05

The archive records a handover when `engagement.handed_over.v1` arrives; the engagement's
day of handover and its waivers (`[{"kind": …, "reason": …}]`) are kept beside the list
and the checkpoint, for the package's manifest. Handovers made before have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_over_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("waivers", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.drop_column("waivers")
        batch_op.drop_column("handed_over_on")
