"""GraphQL types of what the agreement lays down about evaluation and pay: the
assessment method (考核办法, R4.2.5) and pay by results (R3.1-pay), as inputs to
`createEngagement` and as read back on the engagement."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from enum import Enum
from typing import Any, Self

import strawberry

from contracts.engagement import agreement
from gateway.ids import decode_global_id, encode_global_id

strawberry.enum(agreement.EvaluatingPartyKind, description="Who scores the binding scorecard.")
strawberry.enum(
    agreement.EvaluationPeriods, description="One scorecard for the whole period, or per year."
)
strawberry.enum(agreement.PayRule, description="How the result moves the fee.")


@strawberry.input(description="An evaluating party of the assessment method.")
class EvaluatingPartyInput:
    kind: agreement.EvaluatingPartyKind
    weight: Decimal = strawberry.field(
        default=Decimal(1), description="Share in a joint panel; the parties' weights sum to 1."
    )
    evaluator_id: str | None = strawberry.field(
        default=None, description="The appointed third party's id (third_party only)."
    )


@strawberry.input(description="考核办法 as the contract lays it down (R4.2.5).")
class AssessmentMethodInput:
    parties: list[EvaluatingPartyInput]
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="Evaluation template; by default the latest table C.1."
    )
    periods: agreement.EvaluationPeriods = agreement.EvaluationPeriods.ENGAGEMENT
    self_assessment_required: bool = False
    appeal_days: int = strawberry.field(
        default=15, description="Days after finalising in which the agency may object."
    )

    def fields(self) -> dict[str, Any]:
        """The contract's fields, the template's global id decoded."""
        fields: dict[str, Any] = as_fields(self)
        if self.template_id is not None:
            fields["template_id"] = decode_global_id(
                self.template_id, "EvaluationTemplate", field="assessment.templateId"
            )
        return fields


@strawberry.input(description="Percent of the fee paid at each grade (R7.2).")
class GradePercentInput:
    excellent: Decimal = Decimal(100)
    good: Decimal = Decimal(90)
    qualified: Decimal = Decimal(80)
    unqualified: Decimal = Decimal(0)


@strawberry.input(description="How the grade moves the fee (R3.1-pay).")
class PayByResultsInput:
    rule: agreement.PayRule = agreement.PayRule.BY_GRADE
    grade_percent: GradePercentInput | None = None
    zero_at: Decimal = strawberry.field(
        default=Decimal(60), description="linear: the score that pays nothing."
    )
    full_at: Decimal = strawberry.field(
        default=Decimal(90), description="linear: the score that pays the full fee."
    )
    rounding: str = strawberry.field(default="fen", description="fen, jiao or yuan.")
    rounding_mode: str = strawberry.field(default="half_up", description="half_up or down.")


def as_fields(value: Any) -> Any:
    """An input (nested inputs, lists) as plain fields for the contract; unset nested
    inputs are left out so the contract's defaults apply."""
    if isinstance(value, list):
        return [as_fields(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return {
            k: as_fields(v)
            for k, v in vars(value).items()
            if v is not None and not k.startswith("_")
        }
    return value


@strawberry.type(description="An evaluating party of the assessment method.")
class EvaluatingParty:
    kind: agreement.EvaluatingPartyKind
    weight: Decimal
    evaluator_id: str | None


@strawberry.type(description="考核办法 of the agreement (R4.2.5).")
class AssessmentMethod:
    parties: list[EvaluatingParty]
    template_id: strawberry.ID | None
    periods: agreement.EvaluationPeriods
    self_assessment_required: bool
    appeal_days: int

    @classmethod
    def from_contract(cls, m: agreement.AssessmentMethod) -> Self:
        return cls(
            parties=[
                EvaluatingParty(
                    kind=p.kind,
                    weight=p.weight,
                    evaluator_id=str(p.evaluator_id) if p.evaluator_id else None,
                )
                for p in m.parties
            ],
            template_id=strawberry.ID(encode_global_id("EvaluationTemplate", m.template_id))
            if m.template_id
            else None,
            periods=m.periods,
            self_assessment_required=m.self_assessment_required,
            appeal_days=m.appeal_days,
        )


@strawberry.type(description="Percent of the fee paid at each grade.")
class GradePercent:
    excellent: Decimal
    good: Decimal
    qualified: Decimal
    unqualified: Decimal


@strawberry.type(description="How the grade moves the fee (R3.1-pay).")
class PayByResults:
    rule: agreement.PayRule
    grade_percent: GradePercent
    zero_at: Decimal
    full_at: Decimal
    rounding: str
    rounding_mode: str

    @classmethod
    def from_contract(cls, p: agreement.PayByResults) -> Self:
        return cls(
            rule=p.rule,
            grade_percent=GradePercent(**p.grade_percent.model_dump()),
            zero_at=p.zero_at,
            full_at=p.full_at,
            rounding=p.rounding,
            rounding_mode=p.rounding_mode,
        )
