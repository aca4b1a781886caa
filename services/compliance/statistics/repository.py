"""The SQL of the obligation statistics: one GROUP BY over open occurrences past their
due date (the calendar's OVERDUE state), served by ix_occurrence_region_due."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.statistics import RegionStatisticsRequest, StatisticsGroup
from services.compliance.calendar.domain import OPEN
from services.compliance.models import Occurrence
from services.compliance.scope import rows_in_scope


def group_key(group_by: StatisticsGroup) -> Any:
    return group_by.pick(
        region=Occurrence.region_code, agency=Occurrence.agency_id, unit=Occurrence.unit_id
    )


async def overdue_obligations(
    session: AsyncSession, req: RegionStatisticsRequest, today: date
) -> dict[str, int]:
    """Overdue today, due in the window, by group key ('' for a unit no agency serves)."""
    key = group_key(req.group_by)
    query = (
        select(key, func.count())
        .where(
            rows_in_scope(
                req.scope,
                unit_id=Occurrence.unit_id,
                agency_id=Occurrence.agency_id,
                region_code=Occurrence.region_code,
            ),
            Occurrence.status == OPEN,
            Occurrence.due_date < today,
        )
        .group_by(key)
    )
    if req.region_prefix:
        query = query.where(Occurrence.region_code.startswith(req.region_prefix, autoescape=True))
    if req.from_date is not None:
        query = query.where(Occurrence.due_date >= req.from_date)
    if req.to_date is not None:
        query = query.where(Occurrence.due_date <= req.to_date)
    return {"" if k is None else str(k): int(n) for k, n in await session.execute(query)}
