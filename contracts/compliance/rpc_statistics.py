"""Region statistics of the compliance calendar: overdue obligations per group."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from contracts.core import Contract, Rpc
from contracts.statistics import RegionStatisticsRequest


class ObligationStatisticsRow(Contract):
    key: str = Field(description="Region code, agency id or unit id; '' when unknown.")
    overdue_obligations: int


class ObligationStatisticsReply(Contract):
    rows: list[ObligationStatisticsRow]


OBLIGATION_STATISTICS = Rpc(
    "compliance", "statistics.obligations", RegionStatisticsRequest, ObligationStatisticsReply
)

STATISTICS_RPCS: tuple[Rpc[Any, Any], ...] = (OBLIGATION_STATISTICS,)
