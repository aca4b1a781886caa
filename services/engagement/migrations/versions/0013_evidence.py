"""Evidence on records: archive items linked to service records and rectification
items, and the checked archive item of a checklist document

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

Existing free text stays where it was, readable as legacy text: a checklist entry's
`document_ref` (its `document_item_id` stays null) and a work log's `details.evidence`.
Neither can be checked now (the archive is another service's database, and the text was
never required to be an item id), so neither is turned into a link.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_evidence",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_record_evidence_engagement_id_engagement"),
        ),
        sa.PrimaryKeyConstraint("record_id", "item_id", name=op.f("pk_record_evidence")),
    )
    with op.batch_alter_table("record_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_evidence_engagement_id"), ["engagement_id"], unique=False
        )
    with op.batch_alter_table("checklist_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_item_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checklist_entry", schema=None) as batch_op:
        batch_op.drop_column("document_item_id")
    with op.batch_alter_table("record_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_evidence_engagement_id"))
    op.drop_table("record_evidence")
