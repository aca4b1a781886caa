"""Region statistics of the evaluation service: decided grades per group and year."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from contracts.core import Contract, Rpc
from contracts.evaluation.enums import Grade
from contracts.statistics import RegionStatisticsRequest


class GradeYearCount(Contract):
    year: int = Field(description="The year the scorecard's period ends in.")
    grade: Grade
    count: int


class GradeStatisticsRow(Contract):
    key: str = Field(description="Region code, agency id or unit id; '' when unknown.")
    grades: list[GradeYearCount]


class GradeStatisticsReply(Contract):
    rows: list[GradeStatisticsRow]


GRADE_STATISTICS = Rpc(
    "evaluation", "statistics.grades", RegionStatisticsRequest, GradeStatisticsReply
)

STATISTICS_RPCS: tuple[Rpc[Any, Any], ...] = (GRADE_STATISTICS,)
