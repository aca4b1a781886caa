"""Keeping the region statistics' counters in step, in the transaction of the change:
`engagement_tally` when an engagement opens or moves its stage (the only changes to
what it counts: an engagement's unit, period and modes are fixed when it opens, and so
is a unit's region code), `open_item_tally` when a list item is added, approved,
finished, corrected or voided."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement.enums import ListItemStatus
from services.engagement.models import Engagement, ListItem
from services.engagement.statistics import repository
from services.engagement.statistics.repository import MODE, STAGE


async def count_opened(session: AsyncSession, row: Mapping[str, Any], region: str) -> None:
    """A new engagement (its row as written, by column) counts at its stage and once per
    mode it lists (as the GROUP BY over its JSON list counts it), in its unit's region
    (which the caller has read)."""
    changes: Counter[tuple[str, str]] = Counter({(STAGE, str(row["stage"])): 1})
    changes.update((MODE, str(m)) for m in row["service_modes"])
    period = (row["period_start"], row["period_end"])
    await repository.add_to_tally(session, period, region, dict(changes))


async def count_moved(session: AsyncSession, engagement: Engagement, old: str, new: str) -> None:
    """An engagement leaves one stage's count for another's."""
    if old == new:
        return
    region = await repository.region_of(session, engagement.unit_id)
    changes = {(STAGE, str(old)): -1, (STAGE, str(new)): 1}
    period = (engagement.period_start, engagement.period_end)
    await repository.add_to_tally(session, period, region, changes)


def open_due(item: ListItem) -> date | None:
    """The due date an item counts under while open and not voided (what the overdue
    time nodes count once the date has passed); None when it does not count."""
    if item.status != ListItemStatus.OPEN or item.voided_at is not None:
        return None
    return item.due_date


async def count_item(
    session: AsyncSession, engagement: Engagement, before: date | None, item: ListItem
) -> None:
    """An item changed: it leaves the count of the due date it had (`before`, from
    open_due before the change; None for a new item) for the one it has now."""
    after = open_due(item)
    if before == after:
        return
    changes: dict[date, int] = {}
    if before is not None:
        changes[before] = -1
    if after is not None:
        changes[after] = changes.get(after, 0) + 1
    region = await repository.region_of(session, engagement.unit_id)
    await repository.add_to_item_tally(session, region, changes)
