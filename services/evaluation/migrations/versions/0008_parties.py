"""The parties of the evaluation: the agreement's assessment method and fee terms, the
appointed evaluators, binding and self-assessment cards with their weights and
settlement each score's party, and appeals (异议)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Existing rows keep working: registrations without an assessment method, binding cards
without weights (every evaluator averaged, as before) and scores without a party.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assessment", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("fee_terms", sa.JSON(), nullable=True))
    op.create_table(
        "evaluator_appointment",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("evaluator_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("engagement_id", "evaluator_id"),
    )
    op.create_index(
        "ix_evaluator_appointment_evaluator_id", "evaluator_appointment", ["evaluator_id"]
    )
    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="binding", nullable=False)
        )
        batch_op.add_column(sa.Column("weights", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("appeal_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("settlement_percent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("settlement_amount", sa.String(length=32), nullable=True))
    with op.batch_alter_table("item_score", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party", sa.String(length=16), nullable=True))
    op.create_table(
        "appeal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scorecard_id", sa.Uuid(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=100), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("amended_scorecard_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["scorecard_id"], ["scorecard.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_appeal_scorecard_id", "appeal", ["scorecard_id"])


def downgrade() -> None:
    op.drop_index("ix_appeal_scorecard_id", table_name="appeal")
    op.drop_table("appeal")
    with op.batch_alter_table("item_score", schema=None) as batch_op:
        batch_op.drop_column("party")
    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        for column in ("settlement_amount", "settlement_percent", "appeal_days", "weights", "kind"):
            batch_op.drop_column(column)
    op.drop_index("ix_evaluator_appointment_evaluator_id", table_name="evaluator_appointment")
    op.drop_table("evaluator_appointment")
    with op.batch_alter_table("engagement_registration", schema=None) as batch_op:
        batch_op.drop_column("fee_terms")
        batch_op.drop_column("assessment")
