"""GraphQL types of the region statistics: one row per region, agency or unit, with
Chinese labels beside every enum value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Self

import strawberry

from contracts.engagement.enums import ServiceMode, Stage
from contracts.evaluation.enums import Grade
from contracts.statistics import StatisticsGroup
from gateway.i18n.language import Language
from gateway.i18n.say import label
from gateway.pagination import MAX_PAGE
from gateway.statistics.fanout import Figures, RegionFigures

strawberry.enum(
    StatisticsGroup,
    name="StatisticsGroup",
    description="What one row of the region statistics is: a region code, an agency or a unit.",
)


def zh(enum: str, value: str) -> str:
    return label(Language.ZH_CN, enum, value)


@strawberry.type(description="Engagements in one stage.")
class StatisticsStageCount:
    stage: Stage
    stage_zh: str
    count: int


@strawberry.type(description="Engagements with one service mode (one engagement may have two).")
class StatisticsModeCount:
    mode: ServiceMode
    mode_zh: str
    count: int


@strawberry.type(description="Valid results of one grade for periods ending in one year.")
class StatisticsGradeCount:
    year: int
    grade: Grade
    grade_zh: str
    count: int


@strawberry.type(description="The figures of one region, agency or unit, or their total.")
class RegionStatisticsRow:
    key: str = strawberry.field(
        description="The region code, agency id or unit id; '' for the total or for "
        "obligations of a unit no agency serves."
    )
    label: str = strawberry.field(description="The agency's or unit's name; a region's code.")
    engagements: int = strawberry.field(description="Engagements whose period overlaps the window.")
    by_stage: list[StatisticsStageCount]
    by_mode: list[StatisticsModeCount]
    overdue_time_nodes: int = strawberry.field(
        description="Service list items open past their time node (R4.2.2.1), due in the window."
    )
    overdue_obligations: int = strawberry.field(
        description="Compliance obligations overdue today, due in the window."
    )
    rectifications_raised: int
    rectifications_closed: int
    closure_rate: Decimal | None = strawberry.field(
        description="Closed ÷ raised (0–1, three places); null when none was raised."
    )
    mean_days_to_close: Decimal | None = strawberry.field(
        description="Mean days from raised to closed (verified), over the closed ones."
    )
    recurring_problems: int = strawberry.field(
        description="Problems (problem key) raised at the same unit at least twice in the window."
    )
    recurring_rectifications: int = strawberry.field(
        description="The rectifications of those recurring problems."
    )
    emergencies: int
    emergencies_in_time: int = strawberry.field(
        description="Emergencies responded to within the contracted minutes."
    )
    mean_response_minutes: Decimal | None = strawberry.field(
        description="Mean minutes from report to response; null without emergencies."
    )
    complaints: int
    complaints_verified: int
    penalties: int
    penalty_amount: Decimal = strawberry.field(description="Sum of the penalties, CNY.")
    grades: list[StatisticsGradeCount] = strawberry.field(
        description="Valid results (last decided binding version; falsified as 不合格) per "
        "year the period ends in, oldest first."
    )

    @classmethod
    def of(cls, f: Figures) -> Self:
        return cls(
            key=f.key,
            label=f.label,
            engagements=f.engagements,
            by_stage=[
                StatisticsStageCount(stage=s, stage_zh=zh("Stage", s.name), count=f.by_stage[s])
                for s in Stage
                if f.by_stage[s]
            ],
            by_mode=[
                StatisticsModeCount(mode=m, mode_zh=zh("ServiceMode", m.name), count=f.by_mode[m])
                for m in ServiceMode
                if f.by_mode[m]
            ],
            overdue_time_nodes=f.overdue_time_nodes,
            overdue_obligations=f.overdue_obligations,
            rectifications_raised=f.rectifications_raised,
            rectifications_closed=f.rectifications_closed,
            closure_rate=f.closure_rate,
            mean_days_to_close=f.mean_days_to_close,
            recurring_problems=f.recurring_problems,
            recurring_rectifications=f.recurring_rectifications,
            emergencies=f.emergencies,
            emergencies_in_time=f.emergencies_in_time,
            mean_response_minutes=f.mean_response_minutes,
            complaints=f.complaints,
            complaints_verified=f.complaints_verified,
            penalties=f.penalties,
            penalty_amount=f.penalty_amount,
            grades=[
                StatisticsGradeCount(year=y, grade=g, grade_zh=g.zh, count=n)
                for (y, g), n in sorted(f.grades.items(), key=lambda i: (i[0][0], _order(i[0][1])))
            ],
        )


def _order(grade: Grade) -> int:
    return list(Grade).index(grade)


@strawberry.type(description="A region's figures (辖区统计) by region, agency or unit, read-only.")
class RegionStatistics:
    region_prefix: str
    from_date: date | None
    to_date: date | None
    group_by: StatisticsGroup
    group_by_zh: str
    total: RegionStatisticsRow
    row_count: int = strawberry.field(description="Rows in all; page through with `offset`.")
    all_rows: strawberry.Private[list[Figures]]

    @strawberry.field(description="The rows by key, `first` from `offset` (at most 100).")
    def rows(self, first: int = MAX_PAGE, offset: int = 0) -> list[RegionStatisticsRow]:
        first = max(0, min(first, MAX_PAGE))
        offset = max(0, offset)
        return [RegionStatisticsRow.of(f) for f in self.all_rows[offset : offset + first]]

    @classmethod
    def of(cls, figures: RegionFigures) -> Self:
        req = figures.request
        return cls(
            region_prefix=req.region_prefix,
            from_date=req.from_date,
            to_date=req.to_date,
            group_by=req.group_by,
            group_by_zh=zh("StatisticsGroup", req.group_by.name),
            total=RegionStatisticsRow.of(figures.total),
            row_count=len(figures.rows),
            all_rows=figures.rows,
        )
