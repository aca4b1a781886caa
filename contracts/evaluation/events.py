"""Events of the evaluation service."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field

from contracts.core import TYPED_EVENT, Contract, EventEnvelope
from contracts.evaluation.enums import AppealDecision, Grade, ScorecardKind


class ScorecardOpenedData(Contract):
    scorecard_id: UUID
    series_id: UUID
    version: int
    previous_id: UUID | None
    amendment_reason: str | None
    unit_id: UUID
    agency_id: UUID
    period_label: str
    template_code: str
    template_version: int
    automatic: bool


class ScorecardFinalizedData(Contract):
    """The result is locked (R7.2); the engagement may close and the archive files it."""

    scorecard_id: UUID
    series_id: UUID
    version: int
    unit_id: UUID
    agency_id: UUID
    period_label: str
    template_code: str
    template_version: int
    scored_total: Decimal
    deducted: Decimal
    total: Decimal
    grade: Grade
    evaluators: list[str]
    kind: ScorecardKind = Field(
        default=ScorecardKind.BINDING,
        description="A self-assessment (self) never closes the engagement.",
    )
    settlement_percent: Decimal | None = Field(
        default=None, description="Percent of the fee paid on this result (R3.1-pay)."
    )
    settlement_amount: Decimal | None = Field(default=None, description="CNY to pay.")
    evaluation_complete: bool = Field(
        default=True,
        description="No other binding card of the engagement's evaluation periods is still "
        "undecided: with yearly periods the engagement closes at the last one.",
    )


class ScorecardFalsifiedData(Contract):
    """弄虚作假 (R7.2): the score is 0, the grade 不合格, and the finding is public."""

    scorecard_id: UUID
    disclosure_id: UUID
    unit_id: UUID
    agency_id: UUID
    period_label: str
    party: str
    finding: str
    decided_by: str


class ScorecardOpenedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["evaluation.scorecard_opened.v1"] = "evaluation.scorecard_opened.v1"
    data: ScorecardOpenedData  # type: ignore[assignment]


class ScorecardFinalizedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["evaluation.scorecard_finalized.v1"] = "evaluation.scorecard_finalized.v1"
    data: ScorecardFinalizedData  # type: ignore[assignment]


class ScorecardFalsifiedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["evaluation.scorecard_falsified.v1"] = "evaluation.scorecard_falsified.v1"
    data: ScorecardFalsifiedData  # type: ignore[assignment]


class AppealData(Contract):
    """异议: raised by the agency, or answered by an evaluating party (then with the
    decision, the answer and, when amended, the new version)."""

    appeal_id: UUID
    scorecard_id: UUID
    reasons: str
    decision: AppealDecision | None = None
    answer: str | None = None
    amended_scorecard_id: UUID | None = None


class AppealRaisedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["evaluation.appeal_raised.v1"] = "evaluation.appeal_raised.v1"
    data: AppealData  # type: ignore[assignment]


class AppealAnsweredV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["evaluation.appeal_answered.v1"] = "evaluation.appeal_answered.v1"
    data: AppealData  # type: ignore[assignment]


EVALUATION_EVENTS: tuple[type[EventEnvelope], ...] = (
    ScorecardOpenedV1,
    ScorecardFinalizedV1,
    ScorecardFalsifiedV1,
    AppealRaisedV1,
    AppealAnsweredV1,
)
