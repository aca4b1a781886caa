"""Corrections and voids with history (更正/作废), and the engagement's lifecycle status

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

Adds `version` (and `voided_at` where a row can be voided) to the correctable tables,
the `revision` table of their versions, and the engagement's status beside its stage
(active, suspended, terminated, cancelled). Existing rows are version 1 and active.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOIDABLE = ("service_record", "list_item", "team_member")


def upgrade() -> None:
    for table in (*VOIDABLE, "unit"):
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    for table in VOIDABLE:
        op.add_column(table, sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "engagement",
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
    )
    op.add_column("engagement", sa.Column("status_reason", sa.Text(), nullable=True))
    op.add_column("engagement", sa.Column("status_on", sa.Date(), nullable=True))
    op.add_column("engagement", sa.Column("terminated_by_agreement", sa.Boolean(), nullable=True))
    op.create_table(
        "revision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision")),
        sa.UniqueConstraint("subject", "subject_id", "version", name=op.f("uq_revision_subject")),
    )
    op.create_index(op.f("ix_revision_subject_id"), "revision", ["subject_id"])
    op.create_index(op.f("ix_revision_engagement_id"), "revision", ["engagement_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_revision_engagement_id"), table_name="revision")
    op.drop_index(op.f("ix_revision_subject_id"), table_name="revision")
    op.drop_table("revision")
    for column in ("terminated_by_agreement", "status_on", "status_reason", "status"):
        op.drop_column("engagement", column)
    for table in VOIDABLE:
        op.drop_column(table, "voided_at")
    for table in (*VOIDABLE, "unit"):
        op.drop_column(table, "version")
