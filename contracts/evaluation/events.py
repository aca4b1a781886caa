"""Events of the evaluation service."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field

from contracts.core import TYPED_EVENT, Contract, EventEnvelope
from contracts.evaluation.enums import Grade, ScorecardKind


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


EVALUATION_EVENTS: tuple[type[EventEnvelope], ...] = (
    ScorecardOpenedV1,
    ScorecardFinalizedV1,
    ScorecardFalsifiedV1,
)
