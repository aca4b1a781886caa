"""Seed table C.1 (托管服务绩效评价表) version 1 as an evaluation template

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

The definition is read from `services/evaluation/templates/c1_v1.json`, a file
that is never edited: a changed table is a new file and a new migration.
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A fixed id, so every installation refers to the same C.1 v1.
C1_V1_ID = uuid.UUID("0192f3a0-c100-7000-8000-000000000001")
C1_V1_FILE = Path(__file__).resolve().parents[2] / "templates" / "c1_v1.json"

template = sa.table(
    "evaluation_template",
    sa.column("id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("definition", sa.JSON()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("created_by", sa.String()),
)


def upgrade() -> None:
    definition = json.loads(C1_V1_FILE.read_text(encoding="utf-8"))
    op.bulk_insert(
        template,
        [
            {
                "id": C1_V1_ID,
                "code": definition["code"],
                "version": definition["version"],
                "definition": definition,
                "created_at": datetime.now(UTC),
                "created_by": "system:migration",
            }
        ],
    )


def downgrade() -> None:
    op.execute(template.delete().where(template.c.id == C1_V1_ID))
