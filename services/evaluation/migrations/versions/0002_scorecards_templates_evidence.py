"""Scorecards, templates, evidence, the unit directory; registrations learn periods and regions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "evaluation_template",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_template")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_evaluation_template_code")),
    )
    op.create_table(
        "evidence",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "unit_directory",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("source_event_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_unit_directory")),
        sa.UniqueConstraint("source_event_id", name=op.f("uq_unit_directory_source_event_id")),
    )
    with op.batch_alter_table("unit_directory", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unit_directory_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "scorecard",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Uuid(), nullable=True),
        sa.Column("amendment_reason", sa.Text(), nullable=True),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("period_label", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_event_id", sa.Uuid(), nullable=True),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalized_by", sa.String(length=100), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["previous_id"], ["scorecard.id"], name=op.f("fk_scorecard_previous_id_scorecard")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["evaluation_template.id"],
            name=op.f("fk_scorecard_template_id_evaluation_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard")),
        sa.UniqueConstraint("series_id", "version", name=op.f("uq_scorecard_series_id")),
        sa.UniqueConstraint("source_event_id", name=op.f("uq_scorecard_source_event_id")),
    )
    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scorecard_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scorecard_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scorecard_grade"), ["grade"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scorecard_period_label"), ["period_label"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scorecard_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_scorecard_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scorecard_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "deduction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scorecard_id", sa.Uuid(), nullable=False),
        sa.Column("item_code", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scorecard_id"], ["scorecard.id"], name=op.f("fk_deduction_scorecard_id_scorecard")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deduction")),
    )
    with op.batch_alter_table("deduction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deduction_scorecard_id"), ["scorecard_id"], unique=False
        )

    op.create_table(
        "falsification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scorecard_id", sa.Uuid(), nullable=False),
        sa.Column("party", sa.String(length=300), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scorecard_id"], ["scorecard.id"], name=op.f("fk_falsification_scorecard_id_scorecard")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_falsification")),
        sa.UniqueConstraint("scorecard_id", name=op.f("uq_falsification_scorecard_id")),
    )
    with op.batch_alter_table("falsification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_falsification_decided_at"), ["decided_at"], unique=False
        )

    op.create_table(
        "item_score",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scorecard_id", sa.Uuid(), nullable=False),
        sa.Column("item_code", sa.String(length=16), nullable=False),
        sa.Column("evaluator", sa.String(length=100), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("suggested_points", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scorecard_id"], ["scorecard.id"], name=op.f("fk_item_score_scorecard_id_scorecard")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_score")),
        sa.UniqueConstraint(
            "scorecard_id", "item_code", "evaluator", name=op.f("uq_item_score_scorecard_id")
        ),
    )
    with op.batch_alter_table("item_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_item_score_scorecard_id"), ["scorecard_id"], unique=False
        )

    with op.batch_alter_table("engagement_registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("period_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("region_code", sa.String(length=6), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table("engagement_registration", schema=None) as batch_op:
        batch_op.drop_column("region_code")
        batch_op.drop_column("period_end")
        batch_op.drop_column("period_start")

    with op.batch_alter_table("item_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_score_scorecard_id"))

    op.drop_table("item_score")
    with op.batch_alter_table("falsification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_falsification_decided_at"))

    op.drop_table("falsification")
    with op.batch_alter_table("deduction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deduction_scorecard_id"))

    op.drop_table("deduction")
    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecard_unit_id"))
        batch_op.drop_index(batch_op.f("ix_scorecard_series_id"))
        batch_op.drop_index(batch_op.f("ix_scorecard_region_code"))
        batch_op.drop_index(batch_op.f("ix_scorecard_period_label"))
        batch_op.drop_index(batch_op.f("ix_scorecard_grade"))
        batch_op.drop_index(batch_op.f("ix_scorecard_engagement_id"))
        batch_op.drop_index(batch_op.f("ix_scorecard_agency_id"))

    op.drop_table("scorecard")
    with op.batch_alter_table("unit_directory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_directory_region_code"))

    op.drop_table("unit_directory")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_engagement_id"))

    op.drop_table("evidence")
    op.drop_table("evaluation_template")
