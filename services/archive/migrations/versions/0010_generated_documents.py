"""Generated documents: generation jobs, the series each document is filed in, and the
agencies' template variants

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

New tables only: replicas of the previous release neither read nor write them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_template",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_template")),
        sa.UniqueConstraint(
            "agency_id",
            "kind",
            "name",
            "version",
            name=op.f("uq_document_template_agency_id"),
        ),
    )
    with op.batch_alter_table("document_template", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_template_agency_id"), ["agency_id"], unique=False
        )

    op.create_table(
        "document_series",
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("period_key", sa.String(length=25), nullable=False),
        sa.PrimaryKeyConstraint("series_id", name=op.f("pk_document_series")),
        sa.UniqueConstraint(
            "engagement_id",
            "kind",
            "format",
            "period_key",
            name=op.f("uq_document_series_engagement_id"),
        ),
    )
    with op.batch_alter_table("document_series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_series_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "document_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("template_id", sa.Uuid(), nullable=True),
        sa.Column("template", sa.String(length=60), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("caller", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("correlation_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.SmallInteger(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("max_attempts", sa.SmallInteger(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_code", sa.String(length=60), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("item_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["document_template.id"],
            name=op.f("fk_document_job_template_id_document_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_job")),
    )
    with op.batch_alter_table("document_job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_job_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index("ix_document_job_claimable", ["status", "lease_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_job", schema=None) as batch_op:
        batch_op.drop_index("ix_document_job_claimable")
        batch_op.drop_index(batch_op.f("ix_document_job_engagement_id"))
    op.drop_table("document_job")
    with op.batch_alter_table("document_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_series_engagement_id"))
    op.drop_table("document_series")
    with op.batch_alter_table("document_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_template_agency_id"))
    op.drop_table("document_template")
