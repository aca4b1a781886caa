"""The figures the reports state, computed from facts (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from contracts.archive.documents import DocumentPeriod
from contracts.engagement.actions import RecordEmergency
from contracts.engagement.enums import RectificationStatus
from contracts.engagement.rpc_workflow import RectificationView
from services.archive.documents.render.figures import emergency_figures, rectification_figures
from services.archive.documents.render.records import Dated


def rect(status, raised, closed=None, overdue=False) -> RectificationView:
    return RectificationView(
        id=uuid4(),
        problem_key="k",
        description="d",
        plan="p",
        owner="o",
        due_date=raised + timedelta(days=10),
        status=status,
        raised_on=raised,
        closed_on=closed,
        notes=[],
        overdue=overdue,
        recurring=False,
    )


def test_R4_2_4_2_closure_rate_and_mean_days_to_close():
    d = date(2025, 3, 1)
    items = [
        rect(RectificationStatus.CLOSED, d, d + timedelta(days=4)),
        rect(RectificationStatus.CLOSED, d, d + timedelta(days=7)),
        rect(RectificationStatus.RECTIFIED, d),
        rect(RectificationStatus.OPEN, d, overdue=True),
        rect(RectificationStatus.CLOSED, date(2025, 5, 1), date(2025, 5, 2)),  # outside
    ]
    f = rectification_figures(items, DocumentPeriod(start=d, end=date(2025, 3, 31)))
    assert (f.raised, f.closed, f.rectified_unverified, f.open, f.overdue) == (4, 2, 1, 1, 1)
    assert f.closure_rate == Decimal("50.0")
    assert f.mean_days_to_close == Decimal("5.5")
    empty = rectification_figures([])
    assert (empty.closure_rate, empty.mean_days_to_close) == (None, None)


def test_R4_2_4_2_emergency_response_minutes_against_the_contract():
    t = datetime(2025, 4, 3, 6, 40, tzinfo=UTC)

    def e(minutes: int) -> Dated[RecordEmergency]:
        return Dated(
            t.date(),
            RecordEmergency(
                reported_at=t,
                responded_at=t + timedelta(minutes=minutes),
                closed_at=t + timedelta(hours=5),
                contracted_response_minutes=60,
            ),
        )

    f = emergency_figures([e(25), e(60), e(95)])
    assert (f.count, f.responded_in_time) == (3, 2)
    assert f.mean_response_minutes == Decimal("60.0")
    assert f.longest_response_minutes == Decimal("95.0")
