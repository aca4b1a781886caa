"""directory

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "agency",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
        sa.UniqueConstraint("uscc", name=op.f("uq_agency_uscc")),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("expert", sa.Boolean(), nullable=False),
        sa.Column("expertise", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_agency_id"), ["agency_id"], unique=False)

    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee_terms", sa.JSON(), nullable=True))

    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_representative", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column("industry_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("scale", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("business_term_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("business_term_end", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("outlets", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("outlets")
        batch_op.drop_column("business_term_end")
        batch_op.drop_column("business_term_start")
        batch_op.drop_column("scale")
        batch_op.drop_column("industry_type")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
        batch_op.drop_column("legal_representative")

    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_column("fee_terms")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_agency_id"))

    op.drop_table("person")
    op.drop_table("agency")
