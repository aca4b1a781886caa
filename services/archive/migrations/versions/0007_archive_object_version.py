"""The stored version a filed item names, and what a destruction left behind

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

`archive_item.object_version` is the object store's version id of the bytes that were
hashed and filed: downloads name it, so bytes written later under the key are never
served. `destruction.remains` says what is left after the object was destroyed (the
tombstone, its hash, and any stored version the store refused to remove). Items filed
before have no version recorded and are served by key, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("archive_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("object_version", sa.String(length=200), nullable=True))
    with op.batch_alter_table("destruction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remains", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("destruction", schema=None) as batch_op:
        batch_op.drop_column("remains")
    with op.batch_alter_table("archive_item", schema=None) as batch_op:
        batch_op.drop_column("object_version")
