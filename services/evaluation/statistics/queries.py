"""The grade statistics request behind `regionStatistics`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation import rpc_statistics as statistics_rpc
from contracts.evaluation.enums import Grade
from contracts.statistics import RegionStatisticsRequest, StatisticsGroup
from services.evaluation.statistics import repository


async def grade_statistics(
    session: AsyncSession, req: RegionStatisticsRequest
) -> statistics_rpc.GradeStatisticsReply:
    if req.group_by is StatisticsGroup.REGION and repository.counted_by_region(req.scope):
        found = await repository.tallied_grades_by_year(session, req)  # flat in cards
    else:
        found = await repository.grades_by_year(session, req)
    return statistics_rpc.GradeStatisticsReply(
        rows=[
            statistics_rpc.GradeStatisticsRow(
                key=key,
                grades=[
                    statistics_rpc.GradeYearCount(year=y, grade=Grade(g), count=n)
                    for y, g, n in found[key]
                ],
            )
            for key in sorted(found)
        ]
    )
