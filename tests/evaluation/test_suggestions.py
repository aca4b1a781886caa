"""Evidence-suggested scores on crafted engagement histories (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from kit.ids import new_id
from services.evaluation.suggestions import RULES, Evidence, Period, suggest

YEAR = Period(date(2027, 1, 1), date(2027, 12, 31))
T0 = datetime(2027, 3, 1, 8, tzinfo=UTC)


def ev(kind: str, **data: Any) -> Evidence:
    return Evidence(new_id(), kind, T0, data)


def list_item(unit: str, quantity: int) -> Evidence:
    return ev(
        "list_item_added",
        item_id=str(new_id()),
        catalogue_code="6.1.2",
        title=unit,
        contracted_quantity=quantity,
        quantity_unit=unit,
    )


def inspection(day: date, problems: int, plans: int) -> Evidence:
    return ev(
        "inspection_completed",
        inspection_id=str(new_id()),
        performed_on=day.isoformat(),
        problems_found=problems,
        rectification_plans=plans,
    )


def training(day: date, records: bool) -> Evidence:
    return ev(
        "training_held",
        training_id=str(new_id()),
        topic="危废管理",
        held_on=day.isoformat(),
        attendees=20,
        has_records=records,
    )


def emergency(minutes_to_respond: int, contracted: int, day: date = date(2027, 5, 1)) -> Evidence:
    reported = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return ev(
        "emergency_closed",
        incident_id=str(new_id()),
        reported_at=reported.isoformat(),
        responded_at=(reported + timedelta(minutes=minutes_to_respond)).isoformat(),
        closed_at=(reported + timedelta(hours=6)).isoformat(),
        contracted_response_minutes=contracted,
    )


def points(code: str, history: list[Evidence], max_points: int) -> Decimal | None:
    s = RULES[code](history, YEAR, Decimal(max_points))
    return None if s is None else s.points


def test_team_staffed_in_proportion_to_the_contracted_size():
    def team(size: int, members: int) -> Evidence:
        people = [
            {"person_id": str(new_id()), "name": f"p{i}", "role": "engineer"}
            for i in range(members)
        ]
        return ev("team_formed", contracted_size=size, members=people)

    assert points("一.1", [], 5) is None
    assert points("一.1", [team(4, 4)], 5) == Decimal("5.00")
    assert points("一.1", [team(4, 3)], 5) == Decimal("3.75")
    assert points("一.1", [team(4, 6)], 5) == Decimal("5.00")


def test_inspections_half_for_count_half_for_rectification_plans():
    contract = list_item("inspection", 4)
    assert points("二.2", [inspection(date(2027, 2, 1), 0, 0)], 6) is None  # nothing contracted
    all_done = [contract, *(inspection(date(2027, m, 1), 2, 2) for m in (2, 5, 8, 11))]
    assert points("二.2", all_done, 6) == Decimal("6.00")
    # 2 of 4 done, 1 of 4 problems planned: 6 × (½·½ + ½·¼) = 2.25
    half = [contract, inspection(date(2027, 2, 1), 2, 1), inspection(date(2027, 3, 1), 2, 0)]
    assert points("二.2", half, 6) == Decimal("2.25")
    # An inspection outside the period does not count.
    assert points("二.2", [contract, inspection(date(2026, 12, 1), 0, 0)], 6) == Decimal("3.00")


def test_trainings_count_only_with_records():
    contract = list_item("training", 2)
    held = [contract, training(date(2027, 4, 1), True), training(date(2027, 9, 1), False)]
    assert points("二.3", held, 3) == Decimal("1.50")
    s = RULES["二.3"](held, YEAR, Decimal(3))
    assert s is not None
    assert len(s.evidence) == 3


def test_emergencies_answered_within_the_contracted_time():
    assert points("二.9", [], 5) == Decimal(5)
    assert points("二.9", [emergency(20, 30), emergency(45, 30)], 5) == Decimal("2.50")
    assert points("二.9", [emergency(30, 30)], 5) == Decimal("5.00")


def test_no_emergency_penalty_or_verified_complaint_is_all_or_nothing():
    complaint = ev(
        "complaint_recorded", complaint_id=str(new_id()), received_on="2027-06-01", verified=True
    )
    unverified = ev(
        "complaint_recorded", complaint_id=str(new_id()), received_on="2027-06-01", verified=False
    )
    penalty = ev(
        "penalty_recorded",
        penalty_id=str(new_id()),
        decided_on="2027-07-01",
        authority="深圳市生态环境局",
        amount="50000",
    )
    assert points("二.10", [unverified], 5) == Decimal(5)
    assert points("二.10", [complaint, unverified], 5) == Decimal(0)
    assert points("三.3", [], 5) == Decimal(5)
    assert points("三.3", [emergency(10, 30)], 5) == Decimal(0)
    assert points("三.3", [emergency(10, 30, date(2026, 6, 1))], 5) == Decimal(5)
    assert points("三.4", [penalty], 5) == Decimal(0)
    assert points("三.4", [], 5) == Decimal(5)


def test_satisfaction_is_the_mean_survey_score_scaled():
    def survey(score: str) -> Evidence:
        return ev(
            "survey_recorded",
            survey_id=str(new_id()),
            method="questionnaire",
            conducted_on="2027-11-01",
            score=score,
        )

    assert points("三.5", [], 4) is None
    assert points("三.5", [survey("90"), survey("80")], 4) == Decimal("3.40")


def test_suggest_covers_only_the_items_the_template_has():
    found = suggest([], YEAR, {"二.9": Decimal(5), "三.3": Decimal(5), "一.2": Decimal(4)})
    assert [s.item_code for s in found] == ["二.9", "三.3"]
