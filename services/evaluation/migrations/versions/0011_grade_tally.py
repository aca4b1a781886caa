"""Region statistics at a province's scale: `grade_tally`, the counters of valid
results per region, period and effective grade (docs/BENCHMARKS.md §14), backfilled
from the cards already decided. From here on the commands keep it in the transaction
that decides a card (services/evaluation/statistics/commands.py).

The backfill is this revision's own SQL (the same rules as repository.is_latest_decided
and effective_grade, as they stand today), the same text on PostgreSQL and SQLite.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
INSERT INTO grade_tally (region_code, period_label, period_start, period_end, grade, n)
SELECT COALESCE(c.region_code, ''), c.period_label, c.period_start, c.period_end,
       CASE WHEN EXISTS (SELECT 1 FROM falsification f WHERE f.scorecard_id = c.id)
            THEN 'unqualified' ELSE c.grade END,
       count(*)
FROM scorecard c
WHERE c.kind = 'binding'
  AND (c.status = 'finalized'
       OR EXISTS (SELECT 1 FROM falsification f WHERE f.scorecard_id = c.id))
  AND NOT EXISTS (
      SELECT 1 FROM scorecard later
      WHERE later.series_id = c.series_id AND later.version > c.version
        AND (later.status = 'finalized'
             OR EXISTS (SELECT 1 FROM falsification f WHERE f.scorecard_id = later.id)))
GROUP BY 1, 2, 3, 4, 5
"""


def upgrade() -> None:
    op.create_table(
        "grade_tally",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("period_label", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "region_code",
            "period_label",
            "period_start",
            "period_end",
            "grade",
            name=op.f("pk_grade_tally"),
        ),
    )
    op.create_index(
        "ix_grade_tally_region_prefix",
        "grade_tally",
        ["region_code"],
        postgresql_ops={"region_code": "varchar_pattern_ops"},
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_grade_tally_region_prefix", table_name="grade_tally")
    op.drop_table("grade_tally")
