"""GraphQL types of performance evaluation (绩效评价, Appendix C)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Self
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from contracts.core import ValidationFailed
from contracts.evaluation import rpc as evaluation_rpc
from contracts.evaluation.enums import (
    AppealDecision,
    EvaluatingParty,
    EvidenceKind,
    Grade,
    ScorecardKind,
    ScorecardStatus,
)
from gateway.context import Context, scope_of
from gateway.engagement.types import Engagement, Unit, visible_engagement, visible_unit
from gateway.ids import decode_global_id, encode_global_id
from gateway.pagination import TOTAL_COUNT
from gateway.views import from_view
from kit.reply_structs import is_reply

# The contracts' enums, exposed as they are: GraphQL enum values are their member names.
strawberry.enum(
    Grade, description="评价等级 (R7.2): ≥90 优秀; 70<s<90 良好; 60≤s≤70 合格; <60 不合格."
)
strawberry.enum(
    ScorecardStatus, description="Open for scoring, finalised (locked), falsified, or superseded."
)
strawberry.enum(EvidenceKind, description="What a piece of evidence is.")
strawberry.enum(ScorecardKind, description="The binding card or the agency's self-assessment.")
strawberry.enum(EvaluatingParty, name="ScoringParty", description="Whom an evaluator scores for.")


@strawberry.type(description="A reference to the evidence a score or finding rests on.")
class EvidenceLink:
    kind: EvidenceKind
    ref: str
    note: str

    @classmethod
    def from_view(cls, v: evaluation_rpc.EvidenceLink) -> Self:
        return cls(kind=EvidenceKind(v.kind), ref=v.ref, note=v.note)


@strawberry.input
class EvidenceLinkInput:
    kind: EvidenceKind
    ref: str
    note: str = ""


@strawberry.type(description="考核内容: one row of the table, scored or a deduction.")
class TemplateItem:
    code: str
    text_zh: str
    text_en: str
    max_points: Decimal | None
    deduction_per_occurrence: Decimal | None
    evidence_hint: str


@strawberry.type(description="考核指标: a part of the table, e.g. 一、日常管理（25分）.")
class TemplatePart:
    code: str
    title_zh: str
    title_en: str
    kind: str = strawberry.field(description="`scored` or `deduction`.")
    max_points: Decimal | None
    items: list[TemplateItem]


@strawberry.type(description="考核表: table C.1 or a contract's validated variant; immutable.")
class EvaluationTemplate(relay.Node):
    id: relay.NodeID[str]
    agency_id: str | None = strawberry.field(
        description="The agency whose contract variant this is; null for a table of the "
        "standard, shared by every agency."
    )
    code: str
    version: int
    title_zh: str
    title_en: str
    panel_rule: str = strawberry.field(description="How panel scores combine: `mean`.")
    parts: list[TemplatePart]
    created_at: datetime

    @classmethod
    def from_view(cls, v: evaluation_rpc.TemplateView) -> Self:
        parts = [
            from_view(TemplatePart, p, items=[from_view(TemplateItem, i) for i in p.items])
            for p in v.definition.parts
        ]
        return from_view(
            cls,
            v.definition,
            id=str(v.id),
            agency_id=str(v.agency_id) if v.agency_id else None,
            created_at=v.created_at,
            parts=parts,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ctx = info.context
        wanted = list(node_ids)
        if not ctx.authorizer.can("template", "read"):
            return [None for _ in wanted]
        visible = await ctx.clients.evaluation.templates(None, scope_of(ctx.authorizer))
        found = {str(t.id): t for t in visible}
        return [cls.from_view(found[i]) if i in found else None for i in wanted]


@strawberry.type(description="One evaluator's points for one item, beside the suggestion.")
class ItemScore:
    item_code: str
    evaluator: str
    points: Decimal
    justification: str
    evidence: list[EvidenceLink]
    suggested_points: Decimal | None = strawberry.field(
        description="The evidence-suggested score when this was scored (kept with it)."
    )
    override_reason: str | None
    scored_at: datetime
    party: EvaluatingParty | None = strawberry.field(
        default=None, description="Whom the evaluator scored for; null on older scores."
    )


strawberry.enum(AppealDecision, description="Amend the card (a new open version) or keep it.")


@strawberry.type(description="异议: the agency's objection to a finalised card, and its answer.")
class Appeal:
    id: strawberry.ID
    reasons: str
    raised_by: str
    raised_at: datetime
    decision: AppealDecision | None
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    amended_scorecard_id: strawberry.ID | None = strawberry.field(
        description="The new version (global id), when amended."
    )

    @classmethod
    def from_view(cls, v: evaluation_rpc.AppealView) -> Appeal:
        amended = v.amended_scorecard_id
        return cls(
            id=strawberry.ID(str(v.id)),
            reasons=v.reasons,
            raised_by=v.raised_by,
            raised_at=v.raised_at,
            decision=v.decision,
            answer=v.answer,
            answered_by=v.answered_by,
            answered_at=v.answered_at,
            amended_scorecard_id=strawberry.ID(encode_global_id("Scorecard", amended))
            if amended
            else None,
        )


@strawberry.type(description="An evaluating party's share of the binding score.")
class PartyWeight:
    party: EvaluatingParty
    weight: Decimal


@strawberry.type(description="Pay by results (R3.1-pay): what this result pays.")
class Settlement:
    percent: Decimal = strawberry.field(description="Percent of the contracted fee.")
    amount: Decimal = strawberry.field(description="Amount to pay, rounded as the terms say.")
    currency: str = "CNY"


@strawberry.type(description="The panel's result for one scored item (mean of evaluators).")
class ItemResult:
    item_code: str
    text_zh: str
    text_en: str
    max_points: Decimal
    points: Decimal | None
    evaluators: int


@strawberry.type(description="附加考核: one occurrence of a deduction.")
class Deduction:
    id: str
    item_code: str
    points: Decimal
    description: str
    evidence: list[EvidenceLink]
    recorded_by: str
    recorded_at: datetime


@strawberry.type(description="弄虚作假 (R7.2): the finding that scores the card 0.")
class Falsification:
    party: str
    finding: str
    evidence: list[EvidenceLink]
    decided_by: str
    decided_at: datetime


@strawberry.type(description="A score the process evidence suggests, with that evidence.")
class Suggestion:
    item_code: str
    max_points: Decimal
    points: Decimal
    rationale: str
    evidence: list[EvidenceLink]


@strawberry.type(description="The filled table C.1 as an XLSX file, base64-encoded.")
class ScorecardExport:
    filename: str
    media_type: str
    content_base64: str


@dataclass(frozen=True)
class _Details:
    """A scorecard's item-level parts (the header travels separately)."""

    evaluators: list[str]
    results: list[evaluation_rpc.ItemResultView]
    scores: list[evaluation_rpc.ItemScoreView]
    deductions: list[evaluation_rpc.DeductionView]
    falsification: evaluation_rpc.FalsificationView | None
    appeals: list[evaluation_rpc.AppealView] = field(default_factory=list)

    @classmethod
    def of(cls, v: evaluation_rpc.ScorecardView) -> _Details:
        return cls(v.evaluators, v.results, v.scores, v.deductions, v.falsification, v.appeals)


# What the item-level fields show when a scorecard's details can no longer be read.
_NO_DETAILS = _Details([], [], [], [], None)


# Federation 2 entity: a platform joins its own records to a scorecard by id.
@strawberry.federation.type(
    keys=["id"], description="评价表: one version of an engagement's evaluation for a period."
)
class Scorecard(relay.Node):
    id: relay.NodeID[str]
    version: int
    series_id: str = strawberry.field(description="Shared by a scorecard and its amendments.")
    previous_id: str | None
    amendment_reason: str | None
    agency_id: str
    region_code: str | None
    template_id: str
    template_code: str
    template_version: int
    period_label: str
    period_start: date
    period_end: date
    opened_by: str
    opened_at: datetime
    opened_automatically: bool
    status: ScorecardStatus
    finalized_at: datetime | None
    finalized_by: str | None
    scored_total: Decimal
    deducted: Decimal
    total: Decimal = strawberry.field(description="Clamped at 0; 0 when falsified (R7.2).")
    grade: Grade
    grade_zh: str
    kind: ScorecardKind = strawberry.field(
        default=ScorecardKind.BINDING,
        description="BINDING (scored by the parties the contract names) or SELF (the "
        "agency's self-assessment, shown beside it, never mixed in).",
    )
    weights: list[PartyWeight] | None = strawberry.field(
        default=None,
        description="The evaluating parties and their weights; null: the agency's "
        "evaluators averaged (no assessment method). Each item's result is "
        "Σ weight × mean of that party's points, rounded half up to 0.01.",
    )
    appeal_days: int | None = None
    unit_id: strawberry.Private[UUID]
    engagement_id: strawberry.Private[UUID]
    paid: strawberry.Private[tuple[Decimal, Decimal] | None] = None
    # The items, scores and deductions: given when the view came whole (a lookup or
    # a mutation), otherwise fetched on first use, one call for every scorecard of
    # the request (lists carry only headers; most screens never ask for items).
    details: strawberry.Private[_Details | None] = None

    @classmethod
    def from_view(cls, v: evaluation_rpc.ScorecardSummary) -> Self:
        return cls(
            id=str(v.id),
            version=v.version,
            series_id=str(v.series_id),
            previous_id=str(v.previous_id) if v.previous_id else None,
            amendment_reason=v.amendment_reason,
            agency_id=str(v.agency_id),
            region_code=v.region_code,
            template_id=str(v.template_id),
            template_code=v.template_code,
            template_version=v.template_version,
            period_label=v.period_label,
            period_start=v.period_start,
            period_end=v.period_end,
            opened_by=v.opened_by,
            opened_at=v.opened_at,
            opened_automatically=v.opened_automatically,
            status=ScorecardStatus(v.status),
            finalized_at=v.finalized_at,
            finalized_by=v.finalized_by,
            scored_total=v.scored_total,
            deducted=v.deducted,
            total=v.total,
            grade=Grade(v.grade),
            grade_zh=Grade(v.grade).zh,
            unit_id=v.unit_id,
            engagement_id=v.engagement_id,
            details=_Details.of(v) if is_reply(v, evaluation_rpc.ScorecardView) else None,
            kind=ScorecardKind(v.kind),
            weights=[PartyWeight(party=EvaluatingParty(p), weight=w) for p, w in v.weights.items()]
            if v.weights is not None
            else None,
            appeal_days=v.appeal_days,
            paid=(v.settlement_percent, v.settlement_amount)
            if v.settlement_percent is not None and v.settlement_amount is not None
            else None,
        )

    @strawberry.field(
        description="Pay by results (R3.1-pay), set when finalised under fee terms that pay "
        "by results; null otherwise or if you may not read the fee terms."
    )
    def settlement(self, info: Info[Context, None]) -> Settlement | None:
        if self.paid is None or not info.context.authorizer.can("fee_terms", "read"):
            return None
        return Settlement(percent=self.paid[0], amount=self.paid[1])

    async def _whole(self, info: Info[Context, None]) -> _Details:
        """The items, scores and deductions. The header and these come from two reads:
        a score recorded between them shows in the items, not yet in the total."""
        if self.details is None:
            found = await info.context.loaders.scorecards.load(UUID(self.id))
            # Listed under the same scope a moment ago and never deleted, so missing
            # only if access changed in between: then nothing more is shown.
            self.details = _Details.of(found) if found else _NO_DETAILS
        return self.details

    @strawberry.field(description="Who has scored at least one item, in alphabetical order.")
    async def evaluators(self, info: Info[Context, None]) -> list[str]:
        return (await self._whole(info)).evaluators

    @strawberry.field(description="The panel's result for each scored item, in table order.")
    async def results(self, info: Info[Context, None]) -> list[ItemResult]:
        return [ItemResult(**r.model_dump()) for r in (await self._whole(info)).results]

    @strawberry.field(description="Every evaluator's points, by item code, then as scored.")
    async def scores(self, info: Info[Context, None]) -> list[ItemScore]:
        links = EvidenceLink.from_view
        return [
            ItemScore(**{**s.model_dump(), "evidence": [links(e) for e in s.evidence]})
            for s in (await self._whole(info)).scores
        ]

    @strawberry.field(description="异议 against this card and their answers, oldest first.")
    async def appeals(self, info: Info[Context, None]) -> list[Appeal]:
        return [Appeal.from_view(a) for a in (await self._whole(info)).appeals]

    @strawberry.field(description="附加考核 deductions, in the order recorded.")
    async def deductions(self, info: Info[Context, None]) -> list[Deduction]:
        links = EvidenceLink.from_view
        return [
            Deduction(
                **{**d.model_dump(), "id": str(d.id), "evidence": [links(e) for e in d.evidence]}
            )
            for d in (await self._whole(info)).deductions
        ]

    @strawberry.field(description="The falsification finding, if the card was marked falsified.")
    async def falsification(self, info: Info[Context, None]) -> Falsification | None:
        f = (await self._whole(info)).falsification
        if f is None:
            return None
        return Falsification(
            party=f.party,
            finding=f.finding,
            evidence=[EvidenceLink.from_view(e) for e in f.evidence],
            decided_by=f.decided_by,
            decided_at=f.decided_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[Context, None], id: strawberry.ID) -> Self | None:
        """Federation `_entities`: the same checks as `node`; a denied entity is null."""
        try:
            uuid = decode_global_id(id, "Scorecard", field="id")
        except ValidationFailed:
            return None
        [found] = await cls.resolve_nodes(info=info, node_ids=[str(uuid)])
        return found

    @strawberry.field(description="The unit evaluated; null if you may not see it.")
    async def unit(self, info: Info[Context, None]) -> Unit | None:
        return await visible_unit(info.context, self.unit_id)

    @strawberry.field(description="The engagement evaluated; null if you may not see it.")
    async def engagement(self, info: Info[Context, None]) -> Engagement | None:
        return await visible_engagement(info.context, self.engagement_id)

    @strawberry.field(
        description="Scores the process evidence suggests for the items it can speak to "
        "(一.1, 二.2, 二.3, 二.9, 二.10, 三.3, 三.4, 三.5). Null without permission."
    )
    async def suggestions(self, info: Info[Context, None]) -> list[Suggestion] | None:
        ctx = info.context
        if not ctx.authorizer.can("scorecard", "read"):
            return None
        found = await ctx.clients.evaluation.suggestions(UUID(self.id), scope_of(ctx.authorizer))
        return [
            Suggestion(
                item_code=s.item_code,
                max_points=s.max_points,
                points=s.points,
                rationale=s.rationale,
                evidence=[EvidenceLink.from_view(e) for e in s.evidence],
            )
            for s in found
        ]

    @strawberry.field(description="The filled table C.1 as XLSX (base64). Null without permission.")
    async def xlsx(self, info: Info[Context, None]) -> ScorecardExport | None:
        ctx = info.context
        if not ctx.authorizer.can("scorecard", "read"):
            return None
        out = await ctx.clients.evaluation.export(
            UUID(self.id),
            scope_of(ctx.authorizer),
            include_settlement=ctx.authorizer.can("fee_terms", "read"),
        )
        return ScorecardExport(
            filename=out.filename, media_type=out.media_type, content_base64=out.content_base64
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ctx = info.context
        wanted = list(node_ids)
        if not ctx.authorizer.can("scorecard", "read"):
            return [None for _ in wanted]
        views = await ctx.clients.evaluation.scorecards(
            [UUID(i) for i in wanted], scope_of(ctx.authorizer)
        )
        return [cls.from_view(v) if v else None for v in views]


@strawberry.type(name="ScorecardConnection", description="A page of scorecards.")
class ScorecardConnection(relay.Connection[Scorecard]):
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type
class GradeCount:
    grade: Grade
    grade_zh: str
    count: int


@strawberry.type(description="How many decided scorecards (current versions) have each grade.")
class GradeDistribution:
    period_label: str | None
    total: int
    counts: list[GradeCount]

    @classmethod
    def from_reply(cls, period: str | None, r: evaluation_rpc.GradeDistributionReply) -> Self:
        return cls(
            period_label=period,
            total=r.total,
            counts=[
                GradeCount(grade=Grade(c.grade), grade_zh=Grade(c.grade).zh, count=c.count)
                for c in r.counts
            ],
        )


@strawberry.type(description="An agency's results across its units for one period.")
class AgencyResults:
    period_label: str
    scorecards: list[Scorecard]
    distribution: GradeDistribution
