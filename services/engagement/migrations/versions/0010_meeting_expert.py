"""meeting_expert: the invited experts of each meeting, indexed by expert

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

`myMeetings` read every meeting of the tenant and matched the expert in Python over the
records' details. This table is what the lookup reads instead; existing meetings are
backfilled from their details' `expert_ids` (an expert named twice is invited once).
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The record kinds that invite experts, as stored (RecordKind values at this revision).
_MEETING_KINDS = ("expert_consultation", "technical_seminar")
_BATCH = 1000
_MAX_EXPERT_ID = 200

_service_record = sa.table(
    "service_record",
    sa.column("id", sa.Uuid()),
    sa.column("engagement_id", sa.Uuid()),
    sa.column("kind", sa.String()),
    sa.column("details", sa.JSON()),
)


def upgrade() -> None:
    meeting_expert = op.create_table(
        "meeting_expert",
        sa.Column("expert_id", sa.String(length=_MAX_EXPERT_ID), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_meeting_expert_engagement_id_engagement"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["service_record.id"],
            name=op.f("fk_meeting_expert_record_id_service_record"),
        ),
        sa.PrimaryKeyConstraint(
            "expert_id", "engagement_id", "record_id", name=op.f("pk_meeting_expert")
        ),
    )
    connection = op.get_bind()
    for rows in _invitations(connection):
        connection.execute(sa.insert(meeting_expert), rows)


def _invitations(connection: sa.Connection) -> Iterator[list[dict[str, Any]]]:
    """One list of rows per page of meetings, paged by record id (no cursor held open
    while inserting)."""
    after = None
    while True:
        query = (
            sa.select(_service_record)
            .where(_service_record.c.kind.in_(_MEETING_KINDS))
            .order_by(_service_record.c.id)
            .limit(_BATCH)
        )
        if after is not None:
            query = query.where(_service_record.c.id > after)
        page = connection.execute(query).all()
        if not page:
            return
        rows = [
            {"expert_id": expert, "engagement_id": r.engagement_id, "record_id": r.id}
            for r in page
            for expert in dict.fromkeys((r.details or {}).get("expert_ids") or [])
            # Longer ids were never a user id the lookup can be asked for (≤ 200).
            if isinstance(expert, str) and 0 < len(expert) <= _MAX_EXPERT_ID
        ]
        if rows:
            yield rows
        after = page[-1].id


def downgrade() -> None:
    op.drop_table("meeting_expert")
