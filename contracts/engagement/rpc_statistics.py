"""Region statistics of the engagement service: engagements by stage and mode, overdue
time nodes, rectifications, emergencies, complaints and penalties per group."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from contracts.core import Contract, Rpc
from contracts.engagement.enums import ServiceMode, Stage
from contracts.statistics import RegionStatisticsRequest


class StageCount(Contract):
    stage: Stage
    count: int


class ModeCount(Contract):
    mode: ServiceMode
    count: int


class EngagementStatisticsRow(Contract):
    """One group's figures. Sums travel beside counts so that means over several groups
    (the total row) are weighted right: mean = sum / count."""

    key: str = Field(description="Region code, agency id or unit id; '' when unknown.")
    label: str = Field(description="The agency's or unit's name; the code for a region.")
    engagements: int
    by_stage: list[StageCount]
    by_mode: list[ModeCount]
    overdue_time_nodes: int = Field(description="Open list items past their time node.")
    rectifications_raised: int
    rectifications_closed: int
    days_to_close_sum: int = Field(description="Days from raised to closed, over the closed.")
    recurring_problems: int = Field(
        description="(unit, problem_key) pairs raised at least twice in the window."
    )
    recurring_rectifications: int = Field(description="Rectifications of those pairs.")
    emergencies: int
    emergencies_in_time: int = Field(description="Responded within the contracted minutes.")
    response_minutes_sum: Decimal
    complaints: int
    complaints_verified: int
    penalties: int
    penalty_amount: Decimal


class EngagementStatisticsReply(Contract):
    rows: list[EngagementStatisticsRow]


REGION_STATISTICS = Rpc(
    "engagement", "statistics.region", RegionStatisticsRequest, EngagementStatisticsReply
)

STATISTICS_RPCS: tuple[Rpc[Any, Any], ...] = (REGION_STATISTICS,)
