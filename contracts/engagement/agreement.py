"""What the hosting agreement (托管服务合同) lays down about evaluation and pay.

- the assessment method (考核办法, R4.2.5): who evaluates the agency — the client
  (委托方), a third party it appoints, the regulator, or a joint panel of them with
  weights summing to 1 — with which template, for which periods, and whether the
  agency assesses itself first;
- the fee terms (R3.1-pay): how much, and how the grade moves it.

An engagement agreed without an assessment method keeps the behaviour from before
(the agency's own evaluators score, evaluation opens at handover); docs/evaluation.md.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import Field

from contracts.core import Contract


class EvaluatingPartyKind(StrEnum):
    """Who scores the binding scorecard (the agency's self-assessment is not binding)."""

    CLIENT = "client"  # 委托方: the unit's people
    THIRD_PARTY = "third_party"  # 委托方指定的第三方: an appointed evaluator principal
    REGULATOR = "regulator"  # 生态环境主管部门 of the unit's region


class EvaluationPeriods(StrEnum):
    """One scorecard for the whole service period, or one per calendar year in it."""

    ENGAGEMENT = "engagement"
    YEARLY = "yearly"


class EvaluatingParty(Contract):
    kind: EvaluatingPartyKind
    weight: Decimal = Field(
        default=Decimal(1),
        gt=0,
        le=1,
        max_digits=5,
        decimal_places=4,
        description="Share of this party in a joint panel's binding score; all sum to 1.",
    )
    evaluator_id: UUID | None = Field(
        default=None,
        description="The appointed third party (tokens of tenant `evaluator:<id>`); "
        "required for `third_party`, refused for the others.",
    )


class AssessmentMethod(Contract):
    """考核办法 as the contract lays it down (R4.2.5)."""

    parties: list[EvaluatingParty] = Field(min_length=1, max_length=3)
    template_id: UUID | None = Field(
        default=None, description="The evaluation template; by default the latest table C.1."
    )
    periods: EvaluationPeriods = EvaluationPeriods.ENGAGEMENT
    self_assessment_required: bool = Field(
        default=False,
        description="The agency's self-assessment is finalised before the binding card.",
    )
    appeal_days: int = Field(
        default=15,
        ge=0,
        le=365,
        description="Days after finalising in which the agency may object.",
    )


class GradePercent(Contract):
    """Share of the fee paid at each grade of R7.2 (percent)."""

    excellent: Decimal = Field(default=Decimal(100), ge=0, le=100, max_digits=5, decimal_places=2)
    good: Decimal = Field(default=Decimal(90), ge=0, le=100, max_digits=5, decimal_places=2)
    qualified: Decimal = Field(default=Decimal(80), ge=0, le=100, max_digits=5, decimal_places=2)
    unqualified: Decimal = Field(default=Decimal(0), ge=0, le=100, max_digits=5, decimal_places=2)


class PayRule(StrEnum):
    """How the result moves the fee: by the grade's percentage, or linearly on the score
    (a formula given as data, never as code)."""

    BY_GRADE = "by_grade"
    LINEAR = "linear"


class PayByResults(Contract):
    """R3.1-pay: settlement = amount × share, rounded as the terms say.

    `linear`: share = (score − zero_at) / (full_at − zero_at), clamped to 0..1.
    """

    rule: PayRule = PayRule.BY_GRADE
    grade_percent: GradePercent = GradePercent()
    zero_at: Decimal = Field(default=Decimal(60), ge=0, le=100, max_digits=5, decimal_places=2)
    full_at: Decimal = Field(default=Decimal(90), ge=0, le=100, max_digits=5, decimal_places=2)
    rounding: Literal["fen", "jiao", "yuan"] = Field(
        default="fen", description="Settle to 0.01 (分), 0.1 (角) or 1 (元) CNY."
    )
    rounding_mode: Literal["half_up", "down"] = "half_up"


class FeeTerms(Contract):
    """How the agency is paid under the agreement (paid on results in this model)."""

    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: Literal["CNY"] = "CNY"
    basis: Literal["fixed", "per_period", "on_results"] = "fixed"
    schedule: str = Field(default="", max_length=2000, description="Payment schedule.")
    pay_by_results: PayByResults | None = Field(
        default=None, description="How the grade moves the fee; settlement is computed on it."
    )
