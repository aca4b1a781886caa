"""Mutations of performance evaluation: one input each, `Success | typed errors`.

Each checks casbin before anything is sent; the service then checks the
scorecard is in the caller's scope (else ScorecardNotFound: no existence leak).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.core import ValidationFailed
from contracts.evaluation import rpc as evaluation_rpc
from contracts.evaluation.enums import AppealDecision
from gateway.context import Context, scope_of
from gateway.engagement.errors import EngagementNotFound
from gateway.errors import CommonErrors
from gateway.evaluation.errors import (
    AppealNotAllowed,
    AppealNotFound,
    IncompleteScorecard,
    InvalidTemplate,
    ScorecardLocked,
    ScorecardNotFinalized,
    ScorecardNotFound,
    ScoreOutOfRange,
    SelfAssessmentPending,
)
from gateway.evaluation.types import EvaluationTemplate, EvidenceLinkInput, Scorecard
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation


@strawberry.type
class ScorecardSuccess:
    scorecard: Scorecard


@strawberry.type
class DefineEvaluationTemplateSuccess:
    template: EvaluationTemplate


OpenScorecardResult = Annotated[
    ScorecardSuccess | EngagementNotFound | CommonErrors, strawberry.union("OpenScorecardResult")
]
OPEN_SCORECARD: ResultUnion[OpenScorecardResult] = ResultUnion(OpenScorecardResult)
ScoreItemResult = Annotated[
    ScorecardSuccess | ScoreOutOfRange | ScorecardLocked | ScorecardNotFound | CommonErrors,
    strawberry.union("ScoreItemResult"),
]
SCORE_ITEM: ResultUnion[ScoreItemResult] = ResultUnion(ScoreItemResult)
RecordDeductionResult = Annotated[
    ScorecardSuccess | ScorecardLocked | ScorecardNotFound | CommonErrors,
    strawberry.union("RecordDeductionResult"),
]
RECORD_DEDUCTION: ResultUnion[RecordDeductionResult] = ResultUnion(RecordDeductionResult)
FinalizeScorecardResult = Annotated[
    ScorecardSuccess
    | IncompleteScorecard
    | ScorecardLocked
    | ScorecardNotFound
    | SelfAssessmentPending
    | CommonErrors,
    strawberry.union("FinalizeScorecardResult"),
]
FINALIZE_SCORECARD: ResultUnion[FinalizeScorecardResult] = ResultUnion(FinalizeScorecardResult)
AmendScorecardResult = Annotated[
    ScorecardSuccess | ScorecardNotFinalized | ScorecardLocked | ScorecardNotFound | CommonErrors,
    strawberry.union("AmendScorecardResult"),
]
AMEND_SCORECARD: ResultUnion[AmendScorecardResult] = ResultUnion(AmendScorecardResult)
AppealScorecardResult = Annotated[
    ScorecardSuccess | AppealNotAllowed | ScorecardNotFound | CommonErrors,
    strawberry.union("AppealScorecardResult"),
]
APPEAL_SCORECARD: ResultUnion[AppealScorecardResult] = ResultUnion(AppealScorecardResult)
AnswerScorecardAppealResult = Annotated[
    ScorecardSuccess | AppealNotAllowed | AppealNotFound | ScorecardLocked | CommonErrors,
    strawberry.union("AnswerScorecardAppealResult"),
]
ANSWER_APPEAL: ResultUnion[AnswerScorecardAppealResult] = ResultUnion(AnswerScorecardAppealResult)
MarkScorecardFalsifiedResult = Annotated[
    ScorecardSuccess | ScorecardLocked | ScorecardNotFound | CommonErrors,
    strawberry.union("MarkScorecardFalsifiedResult"),
]
MARK_SCORECARD_FALSIFIED: ResultUnion[MarkScorecardFalsifiedResult] = ResultUnion(
    MarkScorecardFalsifiedResult
)
DefineEvaluationTemplateResult = Annotated[
    DefineEvaluationTemplateSuccess | InvalidTemplate | CommonErrors,
    strawberry.union("DefineEvaluationTemplateResult"),
]
DEFINE_EVALUATION_TEMPLATE: ResultUnion[DefineEvaluationTemplateResult] = ResultUnion(
    DefineEvaluationTemplateResult
)


@strawberry.input(description="Open a scorecard for an engagement and period (e.g. annual).")
class OpenScorecardInput:
    engagement_id: strawberry.ID
    period_start: date
    period_end: date
    period_label: str | None = strawberry.field(
        default=None, description="Default: the year (`2027`) or the ISO interval."
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the latest table C.1."
    )


@strawberry.input(
    description="Your points for one item. Differing from the suggestion needs a reason."
)
class ScoreItemInput:
    scorecard_id: strawberry.ID
    item_code: str = strawberry.field(description="e.g. `二.3`.")
    points: Decimal
    justification: str
    evidence: list[EvidenceLinkInput] = strawberry.field(default_factory=list)
    override_reason: str | None = None


@strawberry.input(description="One occurrence of a deduction (附加考核, 四.1–四.5).")
class RecordDeductionInput:
    scorecard_id: strawberry.ID
    item_code: str
    description: str
    evidence: list[EvidenceLinkInput] = strawberry.field(default_factory=list)


@strawberry.input
class FinalizeScorecardInput:
    scorecard_id: strawberry.ID


@strawberry.input(description="A new version of a finalised scorecard, with the reason.")
class AmendScorecardInput:
    scorecard_id: strawberry.ID
    reason: str


@strawberry.input(description="异议: the agency objects to a finalised binding scorecard.")
class AppealScorecardInput:
    scorecard_id: strawberry.ID
    reasons: str


@strawberry.input(description="An evaluating party answers an appeal: amend or keep, with reasons.")
class AnswerScorecardAppealInput:
    appeal_id: strawberry.ID
    decision: AppealDecision
    answer: str


@strawberry.input(description="弄虚作假 found (R7.2): scores 0 and publishes the finding.")
class MarkScorecardFalsifiedInput:
    scorecard_id: strawberry.ID
    party: str = strawberry.field(description="The unit or person who falsified.")
    finding: str
    evidence: list[EvidenceLinkInput]


@strawberry.input
class TemplateItemInput:
    code: str
    text_zh: str
    text_en: str
    max_points: Decimal | None = None
    deduction_per_occurrence: Decimal | None = None
    evidence_hint: str = ""


@strawberry.input
class TemplatePartInput:
    code: str
    title_zh: str
    title_en: str
    kind: str = strawberry.field(description="`scored` or `deduction`.")
    items: list[TemplateItemInput]
    max_points: Decimal | None = None


@strawberry.input(description="A contract's variant of table C.1; validated (scored parts = 100).")
class DefineEvaluationTemplateInput:
    code: str
    version: int
    title_zh: str
    title_en: str
    parts: list[TemplatePartInput]
    source: str = ""


def _appeal(value: strawberry.ID) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise ValidationFailed("not a valid identifier", field="appealId") from None


def _card(value: strawberry.ID) -> UUID:
    return decode_global_id(value, "Scorecard", field="scorecardId")


def _evidence(links: list[EvidenceLinkInput]) -> list[dict[str, str]]:
    """Plain fields, so a wrong link is reported as `evidence.<n>.<field>`."""
    return [{"kind": e.kind, "ref": e.ref, "note": e.note} for e in links]


def _scorecard(view: evaluation_rpc.ScorecardView) -> ScorecardSuccess:
    return ScorecardSuccess(scorecard=Scorecard.from_view(view))


@strawberry.type
class EvaluationMutations:
    @strawberry.mutation(description="Open a scorecard (evaluators, agency admins).")
    async def open_scorecard(
        self, info: Info[Context, None], input: OpenScorecardInput
    ) -> OpenScorecardResult:
        ctx = info.context

        def request() -> evaluation_rpc.OpenScorecardRequest:
            template = input.template_id
            return evaluation_rpc.OpenScorecardRequest(
                engagement_id=decode_global_id(
                    input.engagement_id, "Engagement", field="engagementId"
                ),
                period_start=input.period_start,
                period_end=input.period_end,
                period_label=input.period_label,
                template_id=decode_global_id(template, "EvaluationTemplate", field="templateId")
                if template
                else None,
                scope=scope_of(ctx.authorizer),
            )

        return await run_mutation(
            info,
            OPEN_SCORECARD,
            ("scorecard", "open"),
            request=request,
            send=ctx.clients.evaluation.open,
            success=_scorecard,
        )

    @strawberry.mutation(description="Score one item as a member of the panel.")
    async def score_item(self, info: Info[Context, None], input: ScoreItemInput) -> ScoreItemResult:
        ctx = info.context
        return await run_mutation(
            info,
            SCORE_ITEM,
            ("scorecard", "score"),
            request=lambda: evaluation_rpc.ScoreItemRequest(
                scorecard_id=_card(input.scorecard_id),
                item_code=input.item_code,
                points=input.points,
                justification=input.justification,
                evidence=_evidence(input.evidence),
                override_reason=input.override_reason,
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.evaluation.score,
            success=_scorecard,
        )

    @strawberry.mutation(description="Record one occurrence of a deduction (10 points in C.1).")
    async def record_deduction(
        self, info: Info[Context, None], input: RecordDeductionInput
    ) -> RecordDeductionResult:
        ctx = info.context
        return await run_mutation(
            info,
            RECORD_DEDUCTION,
            ("scorecard", "score"),
            request=lambda: evaluation_rpc.RecordDeductionRequest(
                scorecard_id=_card(input.scorecard_id),
                item_code=input.item_code,
                description=input.description,
                evidence=_evidence(input.evidence),
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.evaluation.deduct,
            success=_scorecard,
        )

    @strawberry.mutation(description="Lock the scorecard with its total and grade.")
    async def finalize_scorecard(
        self, info: Info[Context, None], input: FinalizeScorecardInput
    ) -> FinalizeScorecardResult:
        ctx = info.context
        return await run_mutation(
            info,
            FINALIZE_SCORECARD,
            ("scorecard", "finalize"),
            request=lambda: evaluation_rpc.FinalizeScorecardRequest(
                scorecard_id=_card(input.scorecard_id), scope=scope_of(ctx.authorizer)
            ),
            send=ctx.clients.evaluation.finalize,
            success=_scorecard,
        )

    @strawberry.mutation(description="Amend a finalised scorecard: a new version, with a reason.")
    async def amend_scorecard(
        self, info: Info[Context, None], input: AmendScorecardInput
    ) -> AmendScorecardResult:
        ctx = info.context
        return await run_mutation(
            info,
            AMEND_SCORECARD,
            ("scorecard", "amend"),
            request=lambda: evaluation_rpc.AmendScorecardRequest(
                scorecard_id=_card(input.scorecard_id),
                reason=input.reason,
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.evaluation.amend,
            success=_scorecard,
        )

    @strawberry.mutation(
        description="异议: the agency objects to a finalised binding scorecard within the "
        "contract's appeal period; an evaluating party answers it."
    )
    async def appeal_scorecard(
        self, info: Info[Context, None], input: AppealScorecardInput
    ) -> AppealScorecardResult:
        ctx = info.context
        return await run_mutation(
            info,
            APPEAL_SCORECARD,
            ("scorecard", "appeal"),
            request=lambda: evaluation_rpc.AppealScorecardRequest(
                scorecard_id=_card(input.scorecard_id),
                reasons=input.reasons,
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.evaluation.appeal,
            success=_scorecard,
        )

    @strawberry.mutation(
        description="Answer an appeal: AMEND (returns the new open version) or KEEP (returns "
        "the card), with reasons. By an evaluating party the card names."
    )
    async def answer_scorecard_appeal(
        self, info: Info[Context, None], input: AnswerScorecardAppealInput
    ) -> AnswerScorecardAppealResult:
        ctx = info.context
        return await run_mutation(
            info,
            ANSWER_APPEAL,
            ("scorecard", "answer_appeal"),
            request=lambda: evaluation_rpc.AnswerAppealRequest(
                appeal_id=_appeal(input.appeal_id),
                decision=input.decision,
                answer=input.answer,
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.evaluation.answer_appeal,
            success=_scorecard,
        )

    @strawberry.mutation(description="Mark falsified (R7.2): score 0, 不合格, publicly disclosed.")
    async def mark_scorecard_falsified(
        self, info: Info[Context, None], input: MarkScorecardFalsifiedInput
    ) -> MarkScorecardFalsifiedResult:
        ctx = info.context
        return await run_mutation(
            info,
            MARK_SCORECARD_FALSIFIED,
            ("scorecard", "falsify"),
            request=lambda: evaluation_rpc.MarkFalsifiedRequest(
                scorecard_id=_card(input.scorecard_id),
                party=input.party,
                finding=input.finding,
                evidence=_evidence(input.evidence),
                # run_mutation checked the permission first, so some role grants it.
                decided_as=ctx.authorizer.acting_role("scorecard", "falsify") or "unknown",
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.evaluation.mark_falsified,
            success=_scorecard,
        )

    @strawberry.mutation(
        description="Define a validated variant of table C.1 for your agency's contracts "
        "(agency admins); other agencies neither see nor use it."
    )
    async def define_evaluation_template(
        self, info: Info[Context, None], input: DefineEvaluationTemplateInput
    ) -> DefineEvaluationTemplateResult:
        ctx = info.context

        def request() -> evaluation_rpc.DefineTemplateRequest:
            # Built on its own, so its errors name the input's fields (`parts.0.items.1.code`).
            definition = evaluation_rpc.TemplateDefinition.model_validate(dataclasses.asdict(input))
            return evaluation_rpc.DefineTemplateRequest(
                definition=definition, agency_id=ctx.acting_agency()
            )

        return await run_mutation(
            info,
            DEFINE_EVALUATION_TEMPLATE,
            ("template", "create"),
            request=request,
            send=ctx.clients.evaluation.define_template,
            success=lambda view: DefineEvaluationTemplateSuccess(
                template=EvaluationTemplate.from_view(view)
            ),
        )
