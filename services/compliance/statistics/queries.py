"""The obligation statistics request behind `regionStatistics`."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance import rpc_statistics as statistics_rpc
from contracts.statistics import RegionStatisticsRequest
from services.compliance import clock
from services.compliance.statistics import repository


async def obligation_statistics(
    session: AsyncSession, req: RegionStatisticsRequest
) -> statistics_rpc.ObligationStatisticsReply:
    return await obligation_statistics_on(session, req, clock.today())


async def obligation_statistics_on(
    session: AsyncSession, req: RegionStatisticsRequest, today: date
) -> statistics_rpc.ObligationStatisticsReply:
    found = await repository.overdue_obligations(session, req, today)
    return statistics_rpc.ObligationStatisticsReply(
        rows=[
            statistics_rpc.ObligationStatisticsRow(key=k, overdue_obligations=found[k])
            for k in sorted(found)
        ]
    )
