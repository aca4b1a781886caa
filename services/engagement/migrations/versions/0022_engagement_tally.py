"""Region statistics at a province's scale: `engagement_tally`, the counters of
engagements per region and period by stage and by service mode (docs/BENCHMARKS.md
§14), backfilled from the engagements there are. From here on opening an engagement
and moving its stage keep it, in the same transaction
(services/engagement/statistics/commands.py).

The backfill is this revision's own SQL; only the unnesting of the JSON list of modes
differs between PostgreSQL and SQLite.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTO = "INSERT INTO engagement_tally (region_code, period_start, period_end, figure, value, n) "
BY_STAGE = (
    INTO + "SELECT u.region_code, e.period_start, e.period_end, 'stage', e.stage, count(*) "
    "FROM engagement e JOIN unit u ON u.id = e.unit_id GROUP BY 1, 2, 3, 4, 5"
)
BY_MODE = (
    INTO + "SELECT u.region_code, e.period_start, e.period_end, 'mode', m.value, count(*) "
    "FROM engagement e JOIN unit u ON u.id = e.unit_id, {modes} GROUP BY 1, 2, 3, 4, 5"
)
MODES = {
    "postgresql": "json_array_elements_text(e.service_modes) AS m(value)",
    "sqlite": "json_each(e.service_modes) AS m",
}


def upgrade() -> None:
    op.create_table(
        "engagement_tally",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("figure", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "region_code",
            "period_start",
            "period_end",
            "figure",
            "value",
            name=op.f("pk_engagement_tally"),
        ),
    )
    op.create_index(
        "ix_engagement_tally_region_prefix",
        "engagement_tally",
        ["region_code"],
        postgresql_ops={"region_code": "varchar_pattern_ops"},
    )
    op.execute(BY_STAGE)
    op.execute(BY_MODE.format(modes=MODES[op.get_bind().dialect.name]))


def downgrade() -> None:
    op.drop_index("ix_engagement_tally_region_prefix", table_name="engagement_tally")
    op.drop_table("engagement_tally")
