"""Evaluation templates belong to the agency that defined them; the standard's have none

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Templates stored before this revision keep a null owner: the seeded table C.1 is
the standard's, and so are variants defined before ownership existed (they stay
visible to every agency, as they were).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evaluation_template", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency_id", sa.Uuid(), nullable=True))
        batch_op.drop_constraint("uq_evaluation_template_code", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_evaluation_template_agency_id"), ["agency_id", "code", "version"]
        )
        batch_op.create_index(
            batch_op.f("ix_evaluation_template_agency_id"), ["agency_id"], unique=False
        )
        # NULLs are distinct in the constraint above: the standard's tables get their own.
        batch_op.create_index(
            "uq_evaluation_template_standard",
            ["code", "version"],
            unique=True,
            postgresql_where=sa.text("agency_id IS NULL"),
            sqlite_where=sa.text("agency_id IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("evaluation_template", schema=None) as batch_op:
        batch_op.drop_index("uq_evaluation_template_standard")
        batch_op.drop_index(batch_op.f("ix_evaluation_template_agency_id"))
        batch_op.drop_constraint(batch_op.f("uq_evaluation_template_agency_id"), type_="unique")
        batch_op.create_unique_constraint("uq_evaluation_template_code", ["code", "version"])
        batch_op.drop_column("agency_id")
