"""An agency's own file of a unit (issue 14, gap 1): createUnit for a USCC the registry
already has gives the agency a provisional link and its own file, so its answer is the
same as for a new USCC. Also: the silent flag of the proposal filed beside such a link,
and contacts that belong to an agency's file.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_file",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("legal_representative", sa.String(length=100), nullable=True),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("industry_type", sa.String(length=100), nullable=True),
        sa.Column("scale", sa.String(length=10), nullable=True),
        sa.Column("business_term_start", sa.Date(), nullable=True),
        sa.Column("business_term_end", sa.Date(), nullable=True),
        sa.Column("outlets", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("search_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_file_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_file")),
        sa.UniqueConstraint("unit_id", "agency_id", name=op.f("uq_unit_file_unit_id")),
    )
    op.create_index(op.f("ix_unit_file_unit_id"), "unit_file", ["unit_id"])
    op.create_index(op.f("ix_unit_file_agency_id"), "unit_file", ["agency_id"])
    with op.batch_alter_table("unit_link_request") as batch:
        batch.add_column(
            sa.Column("silent", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    with op.batch_alter_table("unit_contact") as batch:
        batch.add_column(sa.Column("file_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_unit_contact_file_id_unit_file"), "unit_file", ["file_id"], ["id"]
        )
        batch.create_index(op.f("ix_unit_contact_file_id"), ["file_id"])


def downgrade() -> None:
    with op.batch_alter_table("unit_contact") as batch:
        batch.drop_index(op.f("ix_unit_contact_file_id"))
        batch.drop_constraint(op.f("fk_unit_contact_file_id_unit_file"), type_="foreignkey")
        batch.drop_column("file_id")
    with op.batch_alter_table("unit_link_request") as batch:
        batch.drop_column("silent")
    op.drop_index(op.f("ix_unit_file_agency_id"), table_name="unit_file")
    op.drop_index(op.f("ix_unit_file_unit_id"), table_name="unit_file")
    op.drop_table("unit_file")
