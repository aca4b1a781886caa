"""A seeded region for the statistics: rows written straight into the engagement
database, so every figure is known. Two regions under 44 (440305, 440306) and one
outside (110101), two agencies, engagements in three stages; see the test for the
expected figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.core import Contract
from contracts.engagement import actions
from kit.db import Database
from kit.ids import new_id
from services.engagement.models import (
    Agency,
    Engagement,
    ListItem,
    Rectification,
    ServiceRecord,
    Unit,
)
from services.engagement.statistics.repository import rebuild_tally
from services.engagement.workflow.commands.step import record_details
from tests.e2e.harness import new_uscc

NOW = datetime(2027, 1, 1, tzinfo=UTC)
TODAY = date(2027, 12, 1)
A1, A2 = new_id(), new_id()
U1, U2, U3, U4 = new_id(), new_id(), new_id(), new_id()
E1, E2, E3, E4 = new_id(), new_id(), new_id(), new_id()


def _unit(id_: UUID, name: str, region: str, agency: UUID) -> Unit:
    return Unit(
        id=id_,
        name=name,
        uscc=new_uscc(region),
        industry_code="C26",
        address="地址",
        region_code=region,
        agency_id=agency,
        created_at=NOW,
        created_by="t",
        search_name=name,
    )


def _engagement(
    id_: UUID, unit: UUID, agency: UUID, modes: list[str], stage: str, period: tuple[date, date]
) -> Engagement:
    return Engagement(
        id=id_,
        unit_id=unit,
        agency_id=agency,
        service_modes=modes,
        period_start=period[0],
        period_end=period[1],
        stage=stage,
        created_at=NOW,
        created_by="t",
    )


def _item(engagement: UUID, due: date, status: str, voided: bool = False) -> ListItem:
    return ListItem(
        id=new_id(),
        engagement_id=engagement,
        catalogue_code="6.1.1",
        scope="s",
        expected_effect="e",
        target="t",
        due_date=due,
        customised=False,
        status=status,
        created_at=NOW,
        voided_at=NOW if voided else None,
    )


def _rectification(
    engagement: UUID, unit: UUID, problem: str, raised: date, closed: date | None, status: str
) -> Rectification:
    return Rectification(
        id=new_id(),
        engagement_id=engagement,
        unit_id=unit,
        problem_key=problem,
        description="d",
        plan="p",
        owner="o",
        due_date=raised,
        status=status,
        raised_on=raised,
        closed_on=closed,
        notes=[],
    )


def _record(
    engagement: UUID, kind: str, on: date, action: Contract, voided: bool = False
) -> ServiceRecord:
    return ServiceRecord(
        id=new_id(),
        engagement_id=engagement,
        kind=kind,
        occurred_on=on,
        details=record_details(action),
        recorded_by="t",
        recorded_at=NOW,
        voided_at=NOW if voided else None,
    )


def _emergency(
    engagement: UUID, reported: str, responded: str, contracted: int, shift: timedelta
) -> Any:
    a = actions.RecordEmergency(
        reported_at=datetime.fromisoformat(reported) + shift,
        responded_at=datetime.fromisoformat(responded) + shift,
        closed_at=datetime.fromisoformat(responded) + shift,
        contracted_response_minutes=contracted,
    )
    return _record(engagement, "emergency", a.reported_at.date(), a)


def _penalty(engagement: UUID, on: date, amount: str, voided: bool = False) -> ServiceRecord:
    a = actions.RecordPenalty(decided_on=on, authority="生态环境局", amount=Decimal(amount))
    return _record(engagement, "penalty", on, a, voided)


def _complaint(engagement: UUID, on: date, verified: bool) -> ServiceRecord:
    a = actions.RecordComplaint(received_on=on, verified=verified)
    return _record(engagement, "complaint", on, a)


async def seed(db: Database, today: date = TODAY, *, counters: bool = True) -> None:
    """The world as of `today`: every date moves with it, so what is overdue stays the
    same whatever day a test runs on (the test's own days are those of TODAY). Without
    `counters`, for a schema from before engagement_tally (its migration's test)."""
    shift = today - TODAY

    def on(y: int, m: int, d: int) -> date:
        return date(y, m, d) + shift

    def year(y: int) -> tuple[date, date]:
        return on(y, 1, 1), on(y, 12, 31)

    async with db.transaction() as s:
        for id_, name in ((A1, "甲环保"), (A2, "=乙环保")):
            s.add(Agency(id=id_, name=name, uscc=new_uscc(), qualifications=[], updated_at=NOW))
        s.add_all(
            [
                _unit(U1, "一号厂", "440305", A1),
                _unit(U2, "二号厂", "440305", A2),
                _unit(U3, "三号厂", "440306", A1),
                _unit(U4, "北京厂", "110101", A1),
            ]
        )
        await s.flush()
        s.add_all(
            [
                _engagement(
                    E1,
                    U1,
                    A1,
                    ["fixed_resident", "remote_monitoring"],
                    "implementation",
                    year(2027),
                ),
                _engagement(E2, U2, A2, ["roving"], "preparation", year(2027)),
                _engagement(E3, U3, A1, ["roving"], "closed", year(2026)),
                _engagement(E4, U4, A1, ["roving"], "implementation", year(2027)),
            ]
        )
        await s.flush()
        s.add_all(
            [
                _item(E1, on(2027, 3, 1), "open"),  # overdue
                _item(E1, on(2027, 12, 20), "open"),  # not yet due
                _item(E1, on(2027, 2, 1), "done"),
                _item(E1, on(2027, 1, 15), "open", voided=True),
                _item(E2, on(2027, 6, 1), "open"),  # overdue
                _item(E4, on(2027, 3, 1), "open"),  # outside the region
                _rectification(E1, U1, "废气", on(2027, 2, 1), on(2027, 2, 11), "closed"),
                _rectification(E1, U1, "废气", on(2027, 5, 1), on(2027, 5, 5), "closed"),
                _rectification(E1, U1, "噪声", on(2027, 6, 1), None, "open"),
                _rectification(E2, U2, "废气", on(2027, 4, 1), None, "rectified"),
                _rectification(E3, U3, "废水", on(2026, 3, 1), on(2026, 3, 31), "closed"),
                _rectification(E4, U4, "废气", on(2027, 3, 1), on(2027, 3, 2), "closed"),
                # 30 minutes (in time), 90 minutes (late), and one outside the region.
                _emergency(E1, "2027-03-01T08:00+08:00", "2027-03-01T08:30+08:00", 60, shift),
                _emergency(E1, "2027-04-01T10:00+00:00", "2027-04-01T11:30+00:00", 60, shift),
                _emergency(E4, "2027-04-01T10:00+00:00", "2027-04-01T10:05+00:00", 60, shift),
                _complaint(E1, on(2027, 5, 1), verified=True),
                _complaint(E2, on(2027, 5, 2), verified=False),
                _penalty(E1, on(2027, 7, 1), "10000.50"),
                _penalty(E1, on(2027, 7, 2), "999.00", voided=True),
                _penalty(E3, on(2026, 5, 1), "2000.00"),
            ]
        )
        # Rows written around the commands: their counters are recounted, as a
        # migration's backfill would (statistics.repository.rebuild_tally).
        if counters:
            await s.flush()
            await rebuild_tally(s)
