"""Who may ask for the region statistics, and the figures from the three services: one
request each, sent together, merged by group key.

A regulator asks for its own region or a part of it: a prefix that does not start with
its own reads as nothing (None), exactly as a region it does not oversee. An agency's
admin may ask too and gets the same figures over its own engagements (the services
scope by the agency, the prefix narrows within it). Everyone else gets None.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from contracts.core import ValidationFailed
from contracts.engagement.enums import ServiceMode, Stage
from contracts.evaluation.enums import Grade
from contracts.statistics import REGION_PREFIX_PATTERN, RegionStatisticsRequest, StatisticsGroup
from gateway.context import Context, scope_of
from kit.auth import TenantKind

READ = ("region_statistics", "read")
TOTAL_LABEL = "合计"
_PREFIX = re.compile(REGION_PREFIX_PATTERN)


@dataclass
class Figures:
    """One group's figures, or their total. Means are derived from sums and counts so
    the total's means are weighted by what they average."""

    key: str
    label: str
    by_stage: Counter[Stage] = field(default_factory=Counter)
    by_mode: Counter[ServiceMode] = field(default_factory=Counter)
    overdue_time_nodes: int = 0
    overdue_obligations: int = 0
    rectifications_raised: int = 0
    rectifications_closed: int = 0
    days_to_close_sum: int = 0
    recurring_problems: int = 0
    recurring_rectifications: int = 0
    emergencies: int = 0
    emergencies_in_time: int = 0
    response_minutes_sum: Decimal = Decimal(0)
    complaints: int = 0
    complaints_verified: int = 0
    penalties: int = 0
    penalty_amount: Decimal = Decimal("0.00")
    grades: Counter[tuple[int, Grade]] = field(default_factory=Counter)

    @property
    def engagements(self) -> int:
        return sum(self.by_stage.values())

    @property
    def closure_rate(self) -> Decimal | None:
        """Closed ÷ raised, 0–1 to three places; None when nothing was raised."""
        return _ratio(Decimal(self.rectifications_closed), self.rectifications_raised, "0.001")

    @property
    def mean_days_to_close(self) -> Decimal | None:
        return _ratio(Decimal(self.days_to_close_sum), self.rectifications_closed, "0.1")

    @property
    def mean_response_minutes(self) -> Decimal | None:
        return _ratio(self.response_minutes_sum, self.emergencies, "0.1")

    def add(self, other: Figures) -> None:
        self.by_stage.update(other.by_stage)
        self.by_mode.update(other.by_mode)
        self.grades.update(other.grades)
        for name in _SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))


_SUMMED = (
    "overdue_time_nodes",
    "overdue_obligations",
    "rectifications_raised",
    "rectifications_closed",
    "days_to_close_sum",
    "recurring_problems",
    "recurring_rectifications",
    "emergencies",
    "emergencies_in_time",
    "response_minutes_sum",
    "complaints",
    "complaints_verified",
    "penalties",
    "penalty_amount",
)


def _ratio(part: Decimal, whole: int, places: str) -> Decimal | None:
    if not whole:
        return None
    return (part / whole).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass
class RegionFigures:
    request: RegionStatisticsRequest
    rows: list[Figures]
    total: Figures


def request_for(
    ctx: Context,
    region_prefix: str,
    from_date: date | None,
    to_date: date | None,
    group_by: StatisticsGroup,
) -> RegionStatisticsRequest | None:
    """The services' request, or None when the caller may not see this region."""
    if not ctx.authorizer.can(*READ):
        return None
    if not _PREFIX.fullmatch(region_prefix):  # fullmatch: "44\n" is no prefix
        raise ValidationFailed(
            "a region prefix is up to six digits of a GB/T 2260 code", field="regionPrefix"
        )
    if from_date and to_date and from_date > to_date:
        raise ValidationFailed("the window ends before it starts", field="toDate")
    principal = ctx.principal
    match principal.tenant_kind:
        case TenantKind.REGION if region_prefix.startswith(principal.tenant_id):
            pass
        case TenantKind.AGENCY:
            pass
        case _:
            return None
    return RegionStatisticsRequest(
        scope=scope_of(ctx.authorizer),
        region_prefix=region_prefix,
        from_date=from_date,
        to_date=to_date,
        group_by=group_by,
    )


async def gather(ctx: Context, req: RegionStatisticsRequest) -> RegionFigures:
    """Three requests in parallel, one per service; every figure aggregated there."""
    clients = ctx.clients
    engagement, evaluation, compliance = await asyncio.gather(
        clients.engagement.region_statistics(req),
        clients.evaluation.grade_statistics(req),
        clients.compliance.obligation_statistics(req),
    )
    rows: dict[str, Figures] = {}

    def row(key: str) -> Figures:
        return rows.setdefault(key, Figures(key=key, label=key))

    for e in engagement.rows:
        f = row(e.key)
        f.label = e.label
        f.by_stage.update({s.stage: s.count for s in e.by_stage})
        f.by_mode.update({m.mode: m.count for m in e.by_mode})
        f.overdue_time_nodes = e.overdue_time_nodes
        f.rectifications_raised = e.rectifications_raised
        f.rectifications_closed = e.rectifications_closed
        f.days_to_close_sum = e.days_to_close_sum
        f.recurring_problems = e.recurring_problems
        f.recurring_rectifications = e.recurring_rectifications
        f.emergencies = e.emergencies
        f.emergencies_in_time = e.emergencies_in_time
        f.response_minutes_sum = e.response_minutes_sum
        f.complaints = e.complaints
        f.complaints_verified = e.complaints_verified
        f.penalties = e.penalties
        f.penalty_amount = e.penalty_amount
    for g in evaluation.rows:
        row(g.key).grades.update({(c.year, c.grade): c.count for c in g.grades})
    for o in compliance.rows:
        row(o.key).overdue_obligations = o.overdue_obligations
    ordered = [rows[k] for k in sorted(rows)]
    total = Figures(key="", label=TOTAL_LABEL)
    for f in ordered:
        total.add(f)
    return RegionFigures(request=req, rows=ordered, total=total)
