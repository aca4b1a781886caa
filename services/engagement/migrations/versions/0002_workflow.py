"""workflow: catalogue, list items, team, plans, checklist, records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.engagement.seed import catalogue_v1

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema, then seed catalogue version 1 (clause 6)."""
    op.create_table(
        "catalogue_item",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("parent_code", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", "code", name=op.f("pk_catalogue_item")),
    )
    op.create_table(
        "checklist_entry",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("section", sa.String(length=20), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document_ref", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_checklist_entry_engagement_id_engagement"),
        ),
        sa.PrimaryKeyConstraint("engagement_id", "code", name=op.f("pk_checklist_entry")),
    )
    op.create_table(
        "list_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("catalogue_code", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("expected_effect", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("contracted_quantity", sa.Integer(), nullable=True),
        sa.Column("quantity_unit", sa.String(length=50), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("customised", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("waived_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagement.id"], name=op.f("fk_list_item_engagement_id_engagement")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_item")),
    )
    with op.batch_alter_table("list_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_list_item_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "plan_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("objection_reasons", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_plan_version_engagement_id_engagement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_version")),
        sa.UniqueConstraint("engagement_id", "version", name=op.f("uq_plan_version_engagement_id")),
    )
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_version_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "team_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("qualification", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_team_member_engagement_id_engagement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_member")),
    )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_member_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "service_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("list_item_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_service_record_engagement_id_engagement"),
        ),
        sa.ForeignKeyConstraint(
            ["list_item_id"],
            ["list_item.id"],
            name=op.f("fk_service_record_list_item_id_list_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_record")),
    )
    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_record_engagement_id"), ["engagement_id"], unique=False
        )

    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contracted_team_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contract_signed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("handed_over_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("deliverables", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )

    catalogue = sa.table(
        "catalogue_item",
        sa.column("version", sa.Integer),
        sa.column("code", sa.String),
        sa.column("parent_code", sa.String),
        sa.column("kind", sa.String),
        sa.column("name_zh", sa.String),
        sa.column("name_en", sa.String),
        sa.column("description", sa.Text),
    )
    op.bulk_insert(
        catalogue,
        [
            {
                "version": catalogue_v1.VERSION,
                "code": code,
                "parent_code": parent,
                "kind": kind,
                "name_zh": zh,
                "name_en": en,
                "description": desc,
            }
            for code, parent, kind, zh, en, desc in catalogue_v1.ITEMS
        ],
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_column("deliverables")
        batch_op.drop_column("handed_over_on")
        batch_op.drop_column("contract_signed_on")
        batch_op.drop_column("contracted_team_size")

    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_record_engagement_id"))

    op.drop_table("service_record")
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_member_engagement_id"))

    op.drop_table("team_member")
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_version_engagement_id"))

    op.drop_table("plan_version")
    with op.batch_alter_table("list_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_list_item_engagement_id"))

    op.drop_table("list_item")
    op.drop_table("checklist_entry")
    op.drop_table("catalogue_item")
