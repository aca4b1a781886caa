"""Evaluation rules of the standard (7 绩效评价, Appendix C). Pure: no I/O.

- R7.1 the 100-point table C.1 (templates live in `templates.py`);
- R7.2 four grades on the score, with 70 合格 and 90 优秀;
- R7.2-fraud 弄虚作假 scores 0 (and is published, which the service does).

All arithmetic is `Decimal`; points carry at most two decimal places.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from contracts.core import Scope, ValidationFailed
from contracts.engagement.agreement import AssessmentMethod, FeeTerms, PayRule
from contracts.evaluation.enums import EvaluatingParty, Grade, PartKind, ScorecardKind
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


# --- the parties of the evaluation (R4.2.5) and pay by results (R3.1-pay) -------------


def evaluation_periods(start: date, end: date, *, yearly: bool) -> list[tuple[date, date]]:
    """The service period, whole or cut at each 31 December."""
    if not yearly:
        return [(start, end)]
    periods = []
    while start <= end:
        year_end = min(end, date(start.year, 12, 31))
        periods.append((start, year_end))
        start = date(start.year + 1, 1, 1)
    return periods


def party_weights(method: AssessmentMethod | None, kind: str) -> dict[str, str] | None:
    """{party: weight} a card is scored by: the contract's parties for the binding card,
    the agency alone for its self-assessment; None without an assessment method (every
    evaluator averaged, as before)."""
    if method is None:
        return None
    if kind == ScorecardKind.SELF:
        return {EvaluatingParty.AGENCY.value: "1"}
    return {p.kind.value: str(p.weight) for p in method.parties}


def party_of(scope: Scope) -> EvaluatingParty:
    """Whom a caller scores for, from whom it acts for (its tenant)."""
    if scope.unit_id is not None or scope.client_id is not None:
        return EvaluatingParty.CLIENT  # the unit, or a park, group or region (委托方)
    if scope.evaluator_id is not None:
        return EvaluatingParty.THIRD_PARTY
    if scope.region_prefix:
        return EvaluatingParty.REGULATOR
    return EvaluatingParty.AGENCY


def may_score(weights: Mapping[str, str] | None, party: EvaluatingParty) -> bool:
    """Without weights only the agency's evaluators score (the behaviour before
    assessment methods); with them, only the parties named."""
    if weights is None:
        return party == EvaluatingParty.AGENCY
    return party.value in weights


def weighted_result(
    points_by_party: Mapping[str, Sequence[Decimal]], weights: Mapping[str, str]
) -> Decimal | None:
    """A joint panel's result for one item: Σ weight × (mean of that party's evaluators'
    points), computed exactly in Decimal and rounded half up to 0.01 once, at the end.
    None until every named party has scored the item."""
    if any(not points_by_party.get(party) for party in weights):
        return None
    total = sum(
        (
            Decimal(w) * sum(points_by_party[party], ZERO) / len(points_by_party[party])
            for party, w in weights.items()
        ),
        ZERO,
    )
    return cents(total)


_ROUNDING = {"fen": Decimal("0.01"), "jiao": Decimal("0.1"), "yuan": Decimal("1")}


def settlement(terms: FeeTerms, total: Decimal, grade: Grade) -> tuple[Decimal, Decimal] | None:
    """R3.1-pay: (percent of the fee, CNY to pay) for a finalised result, or None when the
    fee terms do not pay by results. by_grade: the grade's percent; linear: 100 ×
    (score − zero_at) / (full_at − zero_at) clamped to 0..100. The amount is fee ×
    percent / 100, rounded to the terms' unit (分, 角, 元) half up or down."""
    pay = terms.pay_by_results
    if pay is None:
        return None
    if pay.rule == PayRule.LINEAR:
        share = (total - pay.zero_at) / (pay.full_at - pay.zero_at)
        percent = cents(min(Decimal(1), max(ZERO, share)) * 100)
    else:
        percent = getattr(pay.grade_percent, grade.value)
    mode = ROUND_HALF_UP if pay.rounding_mode == "half_up" else ROUND_DOWN
    amount = (terms.amount * percent / 100).quantize(_ROUNDING[pay.rounding], rounding=mode)
    return percent, amount
