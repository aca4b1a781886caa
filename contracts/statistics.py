"""What the region statistics (辖区统计, issue #14) ask every service: one request shape,
answered by the engagement, evaluation and compliance services with their own figures
per group, aggregated in SQL. The gateway merges the groups by key."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TypeVar

from pydantic import Field, model_validator

from contracts.core import Contract, Scope

T = TypeVar("T")


class StatisticsGroup(StrEnum):
    """What one row of the statistics is: a region code, an agency or a unit."""

    REGION = "region"  # 行政区划 (the unit's 6-digit GB/T 2260 code)
    AGENCY = "agency"  # 托管服务单位
    UNIT = "unit"  # 排污单位

    def pick(self, *, region: T, agency: T, unit: T) -> T:
        """The one of a service's three (e.g. its columns) this grouping reads."""
        return {StatisticsGroup.REGION: region, StatisticsGroup.AGENCY: agency}.get(self, unit)


REGION_PREFIX_PATTERN = r"^[0-9]{0,6}$"


class RegionStatisticsRequest(Contract):
    """The caller's scope, narrowed to a region prefix and a window of days.

    The window selects what happened in it: engagements whose period overlaps it,
    rectifications raised, records of the day they occurred, time nodes and obligations
    due in it (overdue ones counted as of today), scorecards whose period overlaps it.
    """

    scope: Scope
    region_prefix: str = Field(
        pattern=REGION_PREFIX_PATTERN,
        description="GB/T 2260 code prefix; '' for everything the scope reaches.",
    )
    from_date: date | None = None
    to_date: date | None = None
    group_by: StatisticsGroup = StatisticsGroup.REGION

    @model_validator(mode="after")
    def _window(self) -> RegionStatisticsRequest:
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise ValueError("from_date is after to_date")
        return self
