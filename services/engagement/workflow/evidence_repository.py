"""All SQL of evidence on records (`record_evidence`): the links of several engagements
at once for their workflow views, and linking and unlinking under the engagement's lock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.engagement.models import RecordEvidence


async def by_record(
    session: AsyncSession, engagement_ids: Sequence[UUID]
) -> defaultdict[UUID, list[Any]]:
    """The links of these engagements' records, by record, oldest first: one query."""
    grouped: defaultdict[UUID, list[Any]] = defaultdict(list)
    if engagement_ids:
        table = RecordEvidence.__table__
        rows = await session.execute(
            select(*table.c)
            .where(table.c.engagement_id.in_(engagement_ids))
            .order_by(table.c.linked_at, table.c.item_id)
        )
        for row in rows:
            grouped[row.record_id].append(row)
    return grouped


async def link(
    session: AsyncSession,
    engagement_id: UUID,
    record_id: UUID,
    item_ids: Sequence[UUID],
    *,
    role: str,
    by: str,
    at: datetime,
) -> list[UUID]:
    """Link the items not yet linked to the record; returns those newly linked. Callers
    hold the engagement's lock, so two links of the same item cannot race."""
    existing = set(
        (
            await session.scalars(
                select(RecordEvidence.item_id).where(
                    RecordEvidence.record_id == record_id, RecordEvidence.item_id.in_(item_ids)
                )
            )
        ).all()
    )
    new = [i for i in dict.fromkeys(item_ids) if i not in existing]
    session.add_all(
        RecordEvidence(
            record_id=record_id,
            item_id=item_id,
            engagement_id=engagement_id,
            role=role,
            linked_by=by,
            # A microsecond apart: the items read back in the order they were given.
            linked_at=at + timedelta(microseconds=n),
        )
        for n, item_id in enumerate(new)
    )
    await session.flush()
    return new


async def unlink(session: AsyncSession, record_id: UUID, item_ids: Sequence[UUID]) -> list[UUID]:
    """Remove the links of these items to the record; returns those that were linked."""
    where = (RecordEvidence.record_id == record_id, RecordEvidence.item_id.in_(item_ids))
    linked = list((await session.scalars(select(RecordEvidence.item_id).where(*where))).all())
    if linked:
        await session.execute(delete(RecordEvidence).where(*where))
    return linked
