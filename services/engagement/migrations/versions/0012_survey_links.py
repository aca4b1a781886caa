"""Survey links (满意度调查链接): links the agency issues and the answers given through them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("answer_count", sa.Integer(), nullable=False),
        sa.Column("max_answers", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_survey_link_engagement_id_engagement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_link_token_hash")),
    )
    with op.batch_alter_table("survey_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_link_engagement_id"), ["engagement_id"], unique=False
        )
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("respondent_hash", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["survey_link.id"], name=op.f("fk_survey_response_link_id_survey_link")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["service_record.id"],
            name=op.f("fk_survey_response_record_id_service_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint("link_id", "respondent_hash", name=op.f("uq_survey_response_link_id")),
    )


def downgrade() -> None:
    op.drop_table("survey_response")
    with op.batch_alter_table("survey_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_link_engagement_id"))
    op.drop_table("survey_link")
