"""Keeping `grade_tally` in step with the cards, in the transaction that changes them.

Whatever the change (finalising a card or its amendment, a falsification, a unit's
region arriving late), the counters move by the difference between each touched
series' valid result before and after it: -1 where it counted, +1 where it counts now.
The rules of what counts stay in one place (repository.is_latest_decided,
effective_grade), read the same way before and after."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.statistics import repository


@asynccontextmanager
async def tallied(session: AsyncSession, series: Sequence[UUID]) -> AsyncIterator[None]:
    """Run the body, then move the counters of `series` by what the body changed. The
    series' rows are locked first, so no other transaction decides them between the
    two reads (two finalisations of one card would otherwise both count it)."""
    wanted = list(dict.fromkeys(series))
    await repository.lock_series(session, wanted)
    before = await repository.results_of(session, wanted)
    yield
    await session.flush()
    after = await repository.results_of(session, wanted)
    changes: Counter[repository.TallyKey] = Counter()
    for s in wanted:
        if before.get(s) != after.get(s):
            if s in before:
                changes[before[s]] -= 1
            if s in after:
                changes[after[s]] += 1
    await repository.add_to_tally(session, dict(changes))
