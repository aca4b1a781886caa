"""Evaluation rules of the standard (7 绩效评价, Appendix C). Pure: no I/O.

- R7.1 the 100-point table C.1 (templates live in `templates.py`);
- R7.2 four grades on the score, with 70 合格 and 90 优秀;
- R7.2-fraud 弄虚作假 scores 0 (and is published, which the service does).

All arithmetic is `Decimal`; points carry at most two decimal places.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from contracts.core import ValidationFailed
from contracts.evaluation.enums import Grade, PartKind
from contracts.evaluation.errors import ScoreOutOfRange
from contracts.evaluation.rpc import TemplateDefinition, TemplateItem

CENT = Decimal("0.01")
ZERO = Decimal(0)
FULL_MARKS = Decimal(100)


def grade_for(score: Decimal) -> Grade:
    """R7.2 exactly: ≥90 优秀; 70<s<90 良好; 60≤s≤70 合格; <60 不合格.

    The boundaries are not symmetric: 90 belongs to 优秀 and 70 to 合格, so the
    comparisons below are deliberately ≥, >, ≥ in that order.
    """
    if score >= 90:
        return Grade.EXCELLENT
    if score > 70:
        return Grade.GOOD
    if score >= 60:
        return Grade.QUALIFIED
    return Grade.UNQUALIFIED


def cents(value: Decimal) -> Decimal:
    """Round half up to 0.01, the precision every stored score has."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def panel_result(points: Sequence[Decimal]) -> Decimal | None:
    """The template rule `mean`: a panel's result for one item is the mean of its
    evaluators' points, rounded half up to 0.01; None when nobody scored it."""
    if not points:
        return None
    return cents(sum(points, ZERO) / len(points))


def total_score(scored: Iterable[Decimal], deductions: Iterable[Decimal]) -> Decimal:
    """Scored points minus deductions (附加考核), clamped at 0.

    The standard is silent on a negative total; a 百分制 score below zero has no
    meaning, and 0 already grades 不合格, so we clamp (docs/evaluation.md).
    """
    raw = sum(scored, ZERO) - sum(deductions, ZERO)
    return max(ZERO, raw)


def valid_points(item: TemplateItem, points: Decimal) -> Decimal:
    """An evaluator's points for a scored item: 0..max, at most two decimal places."""
    if item.max_points is None:
        raise ValidationFailed(
            "{item} is a deduction, not a scored item", field="itemCode", params={"item": item.code}
        )
    if not points.is_finite() or points != points.quantize(CENT):
        raise ValidationFailed("points have at most two decimal places", field="points")
    if not ZERO <= points <= item.max_points:
        raise ScoreOutOfRange(
            "{item} is scored from 0 to {max}",
            field="points",
            params={"item": item.code, "max": str(item.max_points)},
            details={"item": item.code, "max": str(item.max_points)},
        )
    return points


def items_by_code(template: TemplateDefinition) -> Mapping[str, TemplateItem]:
    return {item.code: item for part in template.parts for item in part.items}


def scored_items(template: TemplateDefinition) -> list[TemplateItem]:
    return [i for p in template.parts if p.kind == PartKind.SCORED for i in p.items]


def missing_items(template: TemplateDefinition, scored_codes: set[str]) -> list[str]:
    """Scored items nobody on the panel has scored yet; finalising needs none."""
    return [i.code for i in scored_items(template) if i.code not in scored_codes]


def period_label(start: date, end: date) -> str:
    """Default label of an evaluation period: `2027` for a calendar year, else the
    ISO 8601 interval `2027-01-01/2027-06-30`."""
    if end < start:
        raise ValidationFailed("the period must not end before it starts", field="periodEnd")
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return f"{start.isoformat()}/{end.isoformat()}"
