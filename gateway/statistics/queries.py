"""`regionStatistics`: casbin first, the caller's region (or agency) as the services'
scope, then one request to each service. A region the caller does not oversee is null."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from contracts.statistics import StatisticsGroup
from gateway.context import Context
from gateway.statistics import fanout
from gateway.statistics.types import RegionStatistics


@strawberry.type
class RegionStatisticsQueries:
    @strawberry.field(
        description="Regulators (and an agency's admin, over its own engagements): a "
        "region's engagements by stage and service mode, overdue time nodes and "
        "obligations, rectification closure, recurring problems, emergencies, complaints, "
        "penalties and grades over time, per region, agency or unit. Null for a region "
        "outside yours. The same as XLSX: GET /reports/region-statistics.xlsx."
    )
    async def region_statistics(
        self,
        info: Info[Context, None],
        region_prefix: str,
        from_date: date | None = None,
        to_date: date | None = None,
        group_by: StatisticsGroup = StatisticsGroup.REGION,
    ) -> RegionStatistics | None:
        ctx = info.context
        req = fanout.request_for(ctx, region_prefix, from_date, to_date, group_by)
        if req is None:
            return None
        return RegionStatistics.of(await fanout.gather(ctx, req))
