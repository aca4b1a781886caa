"""One unit registry (issue 14 part 2): agencies see units through links, proposals and
invitations wait for the other side's consent, clients that are not one unit (park,
group, region) with the units their engagements cover. Every unit's registering agency
and every agency that served a unit becomes an active link, so existing data keeps working.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_link",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_link_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "agency_id", name=op.f("pk_unit_link")),
    )
    op.create_index(op.f("ix_unit_link_agency_id"), "unit_link", ["agency_id"])
    op.create_table(
        "unit_link_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_link_request")),
    )
    for column in ("uscc", "unit_id", "agency_id"):
        op.create_index(op.f(f"ix_unit_link_request_{column}"), "unit_link_request", [column])
    op.create_table(
        "client",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client")),
    )
    op.create_index(op.f("ix_client_region_code"), "client", ["region_code"])
    op.create_index(op.f("ix_client_agency_id"), "client", ["agency_id"])
    op.create_table(
        "engagement_unit",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_engagement_unit_engagement_id_engagement"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_engagement_unit_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("engagement_id", "unit_id", name=op.f("pk_engagement_unit")),
    )
    op.create_index(op.f("ix_engagement_unit_unit_id"), "engagement_unit", ["unit_id"])
    with op.batch_alter_table("engagement") as batch:
        batch.add_column(sa.Column("client_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("results_basis", sa.String(length=32), nullable=True))
        batch.create_index(batch.f("ix_engagement_client_id"), ["client_id"])
    # Who could see a unit before: its registering agency and every agency with an
    # engagement for it. Each becomes an active link (one per pair), dated as the unit's
    # registration or the first engagement.
    op.execute(
        """
        INSERT INTO unit_link (unit_id, agency_id, status, via, since)
        SELECT unit_id, agency_id, 'active', 'migration', MIN(since)
        FROM (
            SELECT id AS unit_id, agency_id, created_at AS since
            FROM unit WHERE agency_id IS NOT NULL
            UNION ALL
            SELECT unit_id, agency_id, created_at AS since FROM engagement
        ) AS known
        GROUP BY unit_id, agency_id
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("engagement") as batch:
        batch.drop_index(batch.f("ix_engagement_client_id"))
        batch.drop_column("results_basis")
        batch.drop_column("client_id")
    op.drop_index(op.f("ix_engagement_unit_unit_id"), table_name="engagement_unit")
    op.drop_table("engagement_unit")
    op.drop_index(op.f("ix_client_agency_id"), table_name="client")
    op.drop_index(op.f("ix_client_region_code"), table_name="client")
    op.drop_table("client")
    for column in ("agency_id", "unit_id", "uscc"):
        op.drop_index(op.f(f"ix_unit_link_request_{column}"), table_name="unit_link_request")
    op.drop_table("unit_link_request")
    op.drop_index(op.f("ix_unit_link_agency_id"), table_name="unit_link")
    op.drop_table("unit_link")
