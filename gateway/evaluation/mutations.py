"""Mutations of performance evaluation: one input each, `Success | typed errors`.

Each checks casbin before anything is sent; the service then checks the
scorecard is in the caller's scope (else ScorecardNotFound: no existence leak).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.core import DomainError, ValidationFailed
from contracts.engagement.errors import EngagementNotFound as EngagementNotFoundError
from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import rpc as ev
from gateway.context import Context, scope_of
from gateway.errors import (
    EngagementNotFound,
    IncompleteScorecard,
    InvalidTemplate,
    NotAuthorized,
    ScorecardLocked,
    ScorecardNotFinalized,
    ScorecardNotFound,
    ScoreOutOfRange,
    ServiceUnavailable,
    ValidationError,
    to_graphql,
)
from gateway.evaluation.client import EvaluationClient
from gateway.evaluation.types import EvaluationTemplate, EvidenceLinkInput, Scorecard
from gateway.ids import decode_global_id

T = TypeVar("T")


@strawberry.type
class ScorecardSuccess:
    scorecard: Scorecard


@strawberry.type
class DefineEvaluationTemplateSuccess:
    template: EvaluationTemplate


_COMMON = NotAuthorized | ServiceUnavailable | ValidationError
OpenScorecardResult = Annotated[
    ScorecardSuccess | EngagementNotFound | _COMMON, strawberry.union("OpenScorecardResult")
]
ScoreItemResult = Annotated[
    ScorecardSuccess | ScoreOutOfRange | ScorecardLocked | ScorecardNotFound | _COMMON,
    strawberry.union("ScoreItemResult"),
]
RecordDeductionResult = Annotated[
    ScorecardSuccess | ScorecardLocked | ScorecardNotFound | _COMMON,
    strawberry.union("RecordDeductionResult"),
]
FinalizeScorecardResult = Annotated[
    ScorecardSuccess | IncompleteScorecard | ScorecardLocked | ScorecardNotFound | _COMMON,
    strawberry.union("FinalizeScorecardResult"),
]
AmendScorecardResult = Annotated[
    ScorecardSuccess | ScorecardNotFinalized | ScorecardLocked | ScorecardNotFound | _COMMON,
    strawberry.union("AmendScorecardResult"),
]
MarkScorecardFalsifiedResult = Annotated[
    ScorecardSuccess | ScorecardLocked | ScorecardNotFound | _COMMON,
    strawberry.union("MarkScorecardFalsifiedResult"),
]
DefineEvaluationTemplateResult = Annotated[
    DefineEvaluationTemplateSuccess | InvalidTemplate | _COMMON,
    strawberry.union("DefineEvaluationTemplateResult"),
]


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


def _card(value: strawberry.ID) -> UUID:
    return decode_global_id(value, "Scorecard", field="scorecardId")


def _contract(build: Callable[[], T]) -> T:
    """Build a request contract; its validation errors are the caller's to fix."""
    try:
        return build()
    except ValueError as exc:
        raise ValidationFailed(str(exc).splitlines()[-1], field="input") from None


async def _run(
    info: Info[Context, None],
    act: str,
    call: Callable[[EvaluationClient], Awaitable[ev.ScorecardView]],
    obj: str = "scorecard",
) -> Any:
    ctx = info.context
    try:
        if not ctx.authorizer.can(obj, act):
            raise ctx.denied()
        view = await call(EvaluationClient(ctx.services))
        return ScorecardSuccess(scorecard=Scorecard.from_view(view))
    except DomainError as exc:
        return to_graphql(exc, ctx.request_id)


@strawberry.type
class EvaluationMutations:
    @strawberry.mutation(description="Open a scorecard (evaluators, agency admins).")
    async def open_scorecard(
        self, info: Info[Context, None], input: OpenScorecardInput
    ) -> OpenScorecardResult:
        scope = scope_of(info.context.authorizer)

        async def call(c: EvaluationClient) -> ev.ScorecardView:
            template = input.template_id
            req = _contract(
                lambda: ev.OpenScorecardRequest(
                    engagement_id=decode_global_id(
                        input.engagement_id, "Engagement", field="engagementId"
                    ),
                    period_start=input.period_start,
                    period_end=input.period_end,
                    period_label=input.period_label,
                    template_id=decode_global_id(template, "EvaluationTemplate", field="templateId")
                    if template
                    else None,
                    scope=scope,
                )
            )
            try:
                return await c.open(req)
            except evaluation_errors.TemplateNotFound as exc:
                raise ValidationFailed(exc.message, field="templateId") from None
            except EngagementNotFoundError:
                raise

        result: OpenScorecardResult = await _run(info, "open", call)
        return result

    @strawberry.mutation(description="Score one item as a member of the panel.")
    async def score_item(self, info: Info[Context, None], input: ScoreItemInput) -> ScoreItemResult:
        scope = scope_of(info.context.authorizer)

        async def call(c: EvaluationClient) -> ev.ScorecardView:
            req = _contract(
                lambda: ev.ScoreItemRequest(
                    scorecard_id=_card(input.scorecard_id),
                    item_code=input.item_code,
                    points=input.points,
                    justification=input.justification,
                    evidence=[e.to_contract() for e in input.evidence],
                    override_reason=input.override_reason,
                    scope=scope,
                )
            )
            return await c.score(req)

        result: ScoreItemResult = await _run(info, "score", call)
        return result

    @strawberry.mutation(description="Record one occurrence of a deduction (10 points in C.1).")
    async def record_deduction(
        self, info: Info[Context, None], input: RecordDeductionInput
    ) -> RecordDeductionResult:
        scope = scope_of(info.context.authorizer)

        async def call(c: EvaluationClient) -> ev.ScorecardView:
            req = _contract(
                lambda: ev.RecordDeductionRequest(
                    scorecard_id=_card(input.scorecard_id),
                    item_code=input.item_code,
                    description=input.description,
                    evidence=[e.to_contract() for e in input.evidence],
                    scope=scope,
                )
            )
            return await c.deduct(req)

        result: RecordDeductionResult = await _run(info, "score", call)
        return result

    @strawberry.mutation(description="Lock the scorecard with its total and grade.")
    async def finalize_scorecard(
        self, info: Info[Context, None], input: FinalizeScorecardInput
    ) -> FinalizeScorecardResult:
        scope = scope_of(info.context.authorizer)

        async def call(c: EvaluationClient) -> ev.ScorecardView:
            req = ev.FinalizeScorecardRequest(scorecard_id=_card(input.scorecard_id), scope=scope)
            return await c.finalize(req)

        result: FinalizeScorecardResult = await _run(info, "finalize", call)
        return result

    @strawberry.mutation(description="Amend a finalised scorecard: a new version, with a reason.")
    async def amend_scorecard(
        self, info: Info[Context, None], input: AmendScorecardInput
    ) -> AmendScorecardResult:
        scope = scope_of(info.context.authorizer)

        async def call(c: EvaluationClient) -> ev.ScorecardView:
            req = _contract(
                lambda: ev.AmendScorecardRequest(
                    scorecard_id=_card(input.scorecard_id), reason=input.reason, scope=scope
                )
            )
            return await c.amend(req)

        result: AmendScorecardResult = await _run(info, "amend", call)
        return result

    @strawberry.mutation(description="Mark falsified (R7.2): score 0, 不合格, publicly disclosed.")
    async def mark_scorecard_falsified(
        self, info: Info[Context, None], input: MarkScorecardFalsifiedInput
    ) -> MarkScorecardFalsifiedResult:
        scope = scope_of(info.context.authorizer)

        async def call(c: EvaluationClient) -> ev.ScorecardView:
            req = _contract(
                lambda: ev.MarkFalsifiedRequest(
                    scorecard_id=_card(input.scorecard_id),
                    party=input.party,
                    finding=input.finding,
                    evidence=[e.to_contract() for e in input.evidence],
                    scope=scope,
                )
            )
            return await c.mark_falsified(req)

        result: MarkScorecardFalsifiedResult = await _run(info, "falsify", call)
        return result

    @strawberry.mutation(
        description="Define a validated variant of table C.1 for your agency's contracts "
        "(agency admins); other agencies neither see nor use it."
    )
    async def define_evaluation_template(
        self, info: Info[Context, None], input: DefineEvaluationTemplateInput
    ) -> DefineEvaluationTemplateResult:
        ctx = info.context
        try:
            if not ctx.authorizer.can("template", "create"):
                raise ctx.denied()
            definition = _contract(
                lambda: ev.TemplateDefinition.model_validate(
                    {
                        "code": input.code,
                        "version": input.version,
                        "title_zh": input.title_zh,
                        "title_en": input.title_en,
                        "source": input.source,
                        "parts": [
                            {
                                "code": p.code,
                                "title_zh": p.title_zh,
                                "title_en": p.title_en,
                                "kind": p.kind,
                                "max_points": p.max_points,
                                "items": [vars(i) for i in p.items],
                            }
                            for p in input.parts
                        ],
                    }
                )
            )
            view = await EvaluationClient(ctx.services).define_template(
                ev.DefineTemplateRequest(definition=definition, agency_id=ctx.acting_agency())
            )
            return DefineEvaluationTemplateSuccess(template=EvaluationTemplate.from_view(view))
        except DomainError as exc:
            return to_graphql(exc, ctx.request_id)  # type: ignore[return-value]
