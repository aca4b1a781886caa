"""The figures the reports state, computed from facts: pure functions, no I/O.

Rates and means are `Decimal` rounded half-up for print; a figure with nothing to
average over is None (the document then says 无 rather than a made-up 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from contracts.archive.documents import DocumentPeriod
from contracts.engagement.actions import RecordEmergency, RecordInspection, RecordTraining
from contracts.engagement.enums import ListItemStatus, RectificationStatus
from contracts.engagement.rpc_workflow import ListItemView, RectificationView
from services.archive.documents.render.records import Dated, within


def rounded(value: Decimal, places: int = 1) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def mean(values: Iterable[Decimal | int]) -> Decimal | None:
    items = [Decimal(v) for v in values]
    return rounded(sum(items, Decimal(0)) / len(items)) if items else None


def percent(part: int, whole: int) -> Decimal | None:
    return rounded(Decimal(part) * 100 / whole) if whole else None


@dataclass(frozen=True)
class RectificationFigures:
    """整改: how many were raised, closed, still open, overdue; closure rate and the
    mean days from raising to closing (closed items only)."""

    raised: int
    closed: int
    rectified_unverified: int
    open: int
    overdue: int
    recurring: int
    closure_rate: Decimal | None
    mean_days_to_close: Decimal | None


def rectification_figures(
    items: Sequence[RectificationView], period: DocumentPeriod | None = None
) -> RectificationFigures:
    raised = [r for r in items if within(r.raised_on, period)]
    closed = [r for r in raised if r.status == RectificationStatus.CLOSED and r.closed_on]
    return RectificationFigures(
        raised=len(raised),
        closed=len(closed),
        rectified_unverified=sum(r.status == RectificationStatus.RECTIFIED for r in raised),
        open=sum(r.status == RectificationStatus.OPEN for r in raised),
        overdue=sum(r.overdue for r in raised),
        recurring=sum(r.recurring for r in raised),
        closure_rate=percent(len(closed), len(raised)),
        mean_days_to_close=mean((r.closed_on - r.raised_on).days for r in closed if r.closed_on),
    )


@dataclass(frozen=True)
class InspectionFigures:
    count: int
    problems_found: int
    with_plans: int


def inspection_figures(items: Sequence[Dated[RecordInspection]]) -> InspectionFigures:
    return InspectionFigures(
        count=len(items),
        problems_found=sum(i.action.problems_found for i in items),
        with_plans=sum(i.action.rectification_plans for i in items),
    )


@dataclass(frozen=True)
class TrainingFigures:
    count: int
    attendees: int
    with_records: int


def training_figures(items: Sequence[Dated[RecordTraining]]) -> TrainingFigures:
    return TrainingFigures(
        count=len(items),
        attendees=sum(t.action.attendees for t in items),
        with_records=sum(t.action.has_records for t in items),
    )


def response_minutes(e: RecordEmergency) -> Decimal:
    return rounded(Decimal((e.responded_at - e.reported_at).total_seconds()) / 60)


def handling_hours(e: RecordEmergency) -> Decimal:
    return rounded(Decimal((e.closed_at - e.reported_at).total_seconds()) / 3600)


@dataclass(frozen=True)
class EmergencyFigures:
    count: int
    responded_in_time: int
    mean_response_minutes: Decimal | None
    longest_response_minutes: Decimal | None


def emergency_figures(items: Sequence[Dated[RecordEmergency]]) -> EmergencyFigures:
    minutes = [response_minutes(e.action) for e in items]
    return EmergencyFigures(
        count=len(items),
        responded_in_time=sum(
            m <= e.action.contracted_response_minutes for m, e in zip(minutes, items, strict=True)
        ),
        mean_response_minutes=mean(minutes),
        longest_response_minutes=max(minutes) if minutes else None,
    )


@dataclass(frozen=True)
class ItemProgress:
    """One list item's target against what was achieved."""

    item: ListItemView
    achieved_share: Decimal | None  # done/contracted in %, None without a contracted quantity


def item_progress(items: Sequence[ListItemView]) -> list[ItemProgress]:
    return [
        ItemProgress(
            item=i,
            achieved_share=percent(i.done_quantity, i.contracted_quantity)
            if i.contracted_quantity
            else None,
        )
        for i in sorted(items, key=lambda i: i.catalogue_code)
    ]


def completion(items: Sequence[ListItemView]) -> tuple[int, int, int, int]:
    """(done, waived, open, proposed) list items."""
    return (
        sum(i.status == ListItemStatus.DONE for i in items),
        sum(i.status == ListItemStatus.WAIVED for i in items),
        sum(i.status == ListItemStatus.OPEN for i in items),
        sum(i.status == ListItemStatus.PROPOSED for i in items),
    )
