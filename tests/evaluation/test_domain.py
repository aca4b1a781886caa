"""R7.1/R7.2: grades on the 100-point score, totals and deductions, on Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.core import ValidationFailed
from contracts.evaluation.enums import Grade
from contracts.evaluation.errors import ScoreOutOfRange
from contracts.evaluation.rpc import TemplateItem
from services.evaluation.domain import (
    grade_for,
    panel_result,
    period_label,
    total_score,
    valid_points,
)

scores = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
near = st.decimals(min_value=-1, max_value=1, places=4, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("score", "grade", "zh"),
    [
        ("100", Grade.EXCELLENT, "优秀"),
        ("90", Grade.EXCELLENT, "优秀"),
        ("89.99", Grade.GOOD, "良好"),
        ("70.01", Grade.GOOD, "良好"),
        ("70", Grade.QUALIFIED, "合格"),
        ("60", Grade.QUALIFIED, "合格"),
        ("59.99", Grade.UNQUALIFIED, "不合格"),
        ("0", Grade.UNQUALIFIED, "不合格"),
    ],
)
def test_R7_2_grade_boundaries_exactly_as_the_standard(score: str, grade: Grade, zh: str):
    assert grade_for(Decimal(score)) is grade
    assert grade.zh == zh


@given(offset=near)
def test_R7_2_around_90_excellent_from_90_on(offset: Decimal):
    s = Decimal(90) + offset
    assert grade_for(s) is (Grade.EXCELLENT if s >= 90 else Grade.GOOD)


@given(offset=near)
def test_R7_2_around_70_is_qualified_up_to_and_including_70(offset: Decimal):
    s = Decimal(70) + offset
    assert grade_for(s) is (Grade.GOOD if s > 70 else Grade.QUALIFIED)


@given(offset=near)
def test_R7_2_around_60_qualified_from_60_on(offset: Decimal):
    s = Decimal(60) + offset
    assert grade_for(s) is (Grade.QUALIFIED if s >= 60 else Grade.UNQUALIFIED)


@given(score=scores)
def test_R7_2_every_score_has_exactly_one_grade_and_grades_are_monotonic(score: Decimal):
    order = [Grade.UNQUALIFIED, Grade.QUALIFIED, Grade.GOOD, Grade.EXCELLENT]
    higher = min(Decimal(100), score + Decimal("0.01"))
    assert order.index(grade_for(higher)) >= order.index(grade_for(score))


@given(st.lists(scores, max_size=25), st.integers(min_value=0, max_value=12))
def test_R7_1_total_is_points_minus_10_per_deduction_clamped_at_zero(
    points: list[Decimal], occurrences: int
):
    total = total_score(points, [Decimal(10)] * occurrences)
    raw = sum(points, Decimal(0)) - 10 * occurrences
    assert total == max(Decimal(0), raw)
    assert isinstance(total, Decimal)


def test_R7_1_totals_are_exact_decimals_not_floats():
    # 0.1 + 0.2 is exactly 0.3 on Decimal; a float total would miss a boundary.
    assert total_score([Decimal("0.1"), Decimal("0.2")], []) == Decimal("0.3")
    assert grade_for(total_score([Decimal("89.9"), Decimal("0.1")], [])) is Grade.EXCELLENT


def test_R7_1_panel_result_is_the_mean_rounded_half_up_to_cents():
    assert panel_result([Decimal(5), Decimal(4)]) == Decimal("4.50")
    assert panel_result([Decimal(5), Decimal(4), Decimal(4)]) == Decimal("4.33")
    assert panel_result([Decimal("0.01"), Decimal("0.02")]) == Decimal("0.02")
    assert panel_result([]) is None


ITEM = TemplateItem(code="一.1", text_zh="x", text_en="x", max_points=Decimal(5))


def test_R7_1_points_from_zero_to_the_item_maximum():
    assert valid_points(ITEM, Decimal("4.5")) == Decimal("4.5")
    with pytest.raises(ScoreOutOfRange) as exc:
        valid_points(ITEM, Decimal("5.01"))
    assert exc.value.details == {"item": "一.1", "max": "5"}
    with pytest.raises(ScoreOutOfRange):
        valid_points(ITEM, Decimal(-1))
    with pytest.raises(ValidationFailed):
        valid_points(ITEM, Decimal("4.333"))


def test_period_label_is_the_year_or_the_iso_interval():
    from datetime import date

    assert period_label(date(2027, 1, 1), date(2027, 12, 31)) == "2027"
    assert period_label(date(2027, 1, 1), date(2027, 6, 30)) == "2027-01-01/2027-06-30"
    with pytest.raises(ValidationFailed):
        period_label(date(2027, 2, 1), date(2027, 1, 1))
