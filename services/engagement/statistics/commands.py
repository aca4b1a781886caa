"""Keeping `engagement_tally` in step with the engagements, in the transaction that
opens one or moves its stage (the only changes to what it counts: an engagement's unit,
period and modes are fixed when it opens, and so is a unit's region code)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from services.engagement.models import Engagement
from services.engagement.statistics import repository
from services.engagement.statistics.repository import MODE, STAGE


async def count_opened(session: AsyncSession, engagement: Engagement) -> None:
    """A new engagement counts at its stage and once per mode it lists (as the GROUP BY
    over its JSON list counts it)."""
    changes: Counter[tuple[str, str]] = Counter({(STAGE, str(engagement.stage)): 1})
    changes.update((MODE, str(m)) for m in engagement.service_modes)
    region = await repository.region_of(session, engagement.unit_id)
    await repository.add_to_tally(session, engagement, region, dict(changes))


async def count_moved(session: AsyncSession, engagement: Engagement, old: str, new: str) -> None:
    """An engagement leaves one stage's count for another's."""
    if old == new:
        return
    region = await repository.region_of(session, engagement.unit_id)
    changes = {(STAGE, str(old)): -1, (STAGE, str(new)): 1}
    await repository.add_to_tally(session, engagement, region, changes)
