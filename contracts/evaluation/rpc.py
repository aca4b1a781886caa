"""Request/reply contracts of the evaluation service (绩效评价, Appendix C): templates
(考核表), scorecards (评价表), grades and disclosures.

Points are `Decimal` with at most two places (strings in JSON), never floats.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from contracts.core import Contract, Page, Rpc, Scope
from contracts.evaluation.enums import (
    AppealDecision,
    EvaluatingParty,
    EvidenceKind,
    Grade,
    PartKind,
    ScorecardKind,
    ScorecardStatus,
)


class TemplateItem(Contract):
    """One row of the table (考核内容): scored up to `max_points`, or a deduction
    (附加考核) of `deduction_per_occurrence` points each time it happens."""

    code: str = Field(description="`<part>.<n>`, e.g. `二.3`.", min_length=3, max_length=16)
    text_zh: str = Field(min_length=1)
    text_en: str = Field(min_length=1)
    max_points: Decimal | None = Field(default=None, description="Scored items only.")
    deduction_per_occurrence: Decimal | None = Field(default=None, description="Deductions only.")
    evidence_hint: str = Field(default="", description="What evidence supports the item.")


class TemplatePart(Contract):
    """考核指标: a part of the table such as 一、日常管理（25分）."""

    code: str = Field(min_length=1, max_length=8)
    title_zh: str
    title_en: str
    kind: PartKind
    max_points: Decimal | None = Field(default=None, description="Scored parts only.")
    items: list[TemplateItem] = Field(min_length=1)


class TemplateDefinition(Contract):
    """A whole template: table C.1 itself or a contract's validated variant."""

    code: str = Field(min_length=1, max_length=40)
    version: int = Field(ge=1)
    title_zh: str
    title_en: str
    source: str = ""
    panel_rule: Literal["mean"] = Field(
        default="mean", description="How a panel's scores of one item combine: the mean."
    )
    parts: list[TemplatePart] = Field(min_length=1)


class TemplateView(Contract):
    id: UUID
    definition: TemplateDefinition
    created_at: datetime
    created_by: str
    agency_id: UUID | None = Field(
        description="The agency whose contract variant this is; null for a table "
        "published with the standard, shared by every agency."
    )


class ListTemplatesRequest(Contract):
    """The standard's tables, the scope's agency's variants, and the variants its
    visible scorecards were scored with."""

    scope: Scope
    code: str | None = None


class TemplatesReply(Contract):
    items: list[TemplateView]


class DefineTemplateRequest(Contract):
    definition: TemplateDefinition
    agency_id: UUID = Field(description="The agency defining the variant; only it uses it.")


# --- scorecards (评价表) ---------------------------------------------------------------


class EvidenceLink(Contract):
    """What a score or deduction rests on: a trace entry, an archive item, a record."""

    kind: EvidenceKind
    ref: str = Field(min_length=1, max_length=500)
    note: str = Field(default="", max_length=1000)


class ItemScoreView(Contract):
    item_code: str
    evaluator: str
    points: Decimal
    justification: str
    evidence: list[EvidenceLink]
    suggested_points: Decimal | None = Field(
        description="The evidence-suggested score when the evaluator scored; kept beside "
        "the evaluator's own."
    )
    override_reason: str | None
    scored_at: datetime
    party: EvaluatingParty | None = Field(
        default=None, description="Whom the evaluator scored for; null on older scores."
    )


class DeductionView(Contract):
    id: UUID
    item_code: str
    points: Decimal
    description: str
    evidence: list[EvidenceLink]
    recorded_by: str
    recorded_at: datetime


class ItemResultView(Contract):
    """The panel's result for one scored item (default rule: the mean of evaluators)."""

    item_code: str
    text_zh: str
    text_en: str
    max_points: Decimal
    points: Decimal | None
    evaluators: int


class FalsificationView(Contract):
    """弄虚作假: the decision that makes the score 0 and is published (R7.2)."""

    id: UUID
    scorecard_id: UUID
    party: str
    finding: str
    evidence: list[EvidenceLink]
    decided_by: str
    decided_at: datetime


class ScorecardSummary(Contract):
    """A scorecard's header and outcome without its items: what lists carry.
    `GET_SCORECARDS` gives the whole `ScorecardView`."""

    id: UUID
    series_id: UUID = Field(description="The first version's id; amendments share it.")
    version: int
    previous_id: UUID | None
    amendment_reason: str | None
    engagement_id: UUID
    unit_id: UUID
    agency_id: UUID
    region_code: str | None
    template_id: UUID
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
    scored_total: Decimal = Field(description="Sum of the scored items' panel results.")
    deducted: Decimal
    total: Decimal = Field(description="Clamped at 0; 0 when falsified.")
    grade: Grade
    kind: ScorecardKind = ScorecardKind.BINDING
    weights: dict[str, Decimal] | None = Field(
        default=None,
        description="The evaluating parties with their weights; null: every evaluator "
        "averaged (no assessment method).",
    )
    appeal_days: int | None = None
    settlement_percent: Decimal | None = Field(
        default=None, description="Percent of the fee paid on this result (R3.1-pay)."
    )
    settlement_amount: Decimal | None = Field(default=None, description="CNY to pay.")


class AppealView(Contract):
    """异议 against a finalised card, and the evaluating party's answer."""

    id: UUID
    scorecard_id: UUID
    reasons: str
    raised_by: str
    raised_at: datetime
    decision: AppealDecision | None
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    amended_scorecard_id: UUID | None = Field(description="The new version, when amended.")


class ScorecardView(ScorecardSummary):
    evaluators: list[str]
    results: list[ItemResultView]
    scores: list[ItemScoreView]
    deductions: list[DeductionView]
    falsification: FalsificationView | None
    appeals: list[AppealView] = Field(default_factory=list, description="Oldest first.")


class OpenScorecardRequest(Contract):
    engagement_id: UUID
    period_start: date
    period_end: date
    period_label: str | None = Field(
        default=None, max_length=40, description="Defaults to the year or the ISO interval."
    )
    template_id: UUID | None = Field(default=None, description="Default: latest C.1.")
    scope: Scope


class ScoreItemRequest(Contract):
    scorecard_id: UUID
    item_code: str
    points: Decimal
    justification: str = Field(min_length=1, max_length=4000)
    evidence: list[EvidenceLink] = Field(default_factory=list, max_length=50)
    override_reason: str | None = Field(
        default=None,
        max_length=4000,
        description="Required when points differ from the suggestion.",
    )
    scope: Scope


class RecordDeductionRequest(Contract):
    scorecard_id: UUID
    item_code: str
    description: str = Field(min_length=1, max_length=4000)
    evidence: list[EvidenceLink] = Field(default_factory=list, max_length=50)
    scope: Scope


class FinalizeScorecardRequest(Contract):
    scorecard_id: UUID
    scope: Scope


class AmendScorecardRequest(Contract):
    scorecard_id: UUID
    reason: str = Field(min_length=1, max_length=4000)
    scope: Scope


class MarkFalsifiedRequest(Contract):
    scorecard_id: UUID
    party: str = Field(min_length=1, max_length=300, description="Who falsified: unit or person.")
    finding: str = Field(min_length=1, max_length=4000)
    evidence: list[EvidenceLink] = Field(min_length=1, max_length=50)
    decided_as: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,63}$",
        description="The role the decision is made in (the caller's role that may falsify); "
        "published instead of the person.",
    )
    scope: Scope


class AppealScorecardRequest(Contract):
    """The agency objects to a finalised binding scorecard within the appeal period."""

    scorecard_id: UUID
    reasons: str = Field(min_length=1, max_length=10000)
    scope: Scope


class AnswerAppealRequest(Contract):
    """An evaluating party of the card amends it (a new open version) or keeps it."""

    appeal_id: UUID
    decision: AppealDecision
    answer: str = Field(min_length=1, max_length=10000)
    scope: Scope


class GetScorecardsRequest(Contract):
    ids: list[UUID] = Field(max_length=1000)
    scope: Scope


class ScorecardsReply(Contract):
    items: list[ScorecardView | None]


class ScorecardFilter(Contract):
    unit_id: UUID | None = None
    agency_id: UUID | None = None
    engagement_id: UUID | None = None
    period_label: str | None = None
    grade: Grade | None = None
    finalized_only: bool = False
    current_only: bool = Field(
        default=True,
        description="Hide versions replaced by amendments; with finalized_only, the last "
        "decided version of each scorecard (the valid result while an amendment is open).",
    )


class ListScorecardsRequest(Contract):
    scope: Scope
    filter: ScorecardFilter = ScorecardFilter()
    page: Page = Page()


class LatestScorecardsRequest(Contract):
    """Each engagement's latest scorecard: of its current (not amended) scorecards the
    one whose period ends last, the most recently opened on a tie."""

    engagement_ids: list[UUID] = Field(max_length=500)
    scope: Scope


class LatestScorecardsReply(Contract):
    items: list[ScorecardSummary | None] = Field(
        description="In the order asked; null where none is open or the scope hides it."
    )


class ScorecardPage(Contract):
    items: list[ScorecardSummary]
    has_next: bool
    total: int


class GradeDistributionRequest(Contract):
    scope: Scope
    period_label: str | None = None


class GradeCount(Contract):
    grade: Grade
    count: int


class GradeDistributionReply(Contract):
    total: int
    counts: list[GradeCount]


class SuggestionsRequest(Contract):
    scorecard_id: UUID
    scope: Scope


class SuggestionView(Contract):
    item_code: str
    max_points: Decimal
    points: Decimal
    rationale: str
    evidence: list[EvidenceLink]


class SuggestionsReply(Contract):
    items: list[SuggestionView]


class ListDisclosuresRequest(Contract):
    """Public: no scope; anyone reads published falsification findings."""

    page: Page = Page()


class DisclosureView(Contract):
    id: UUID
    scorecard_id: UUID
    unit_name: str | None
    unit_uscc: str | None
    agency_id: UUID
    period_label: str
    party: str
    finding: str
    decided_as: str | None = Field(
        description="The role that decided (e.g. `agency_admin`), with agency_id: who decided, "
        "never which person; None for findings recorded before roles were kept."
    )
    decided_at: datetime
    total: Decimal
    grade: Grade


class DisclosurePage(Contract):
    items: list[DisclosureView]
    has_next: bool
    total: int


class ExportScorecardRequest(Contract):
    scorecard_id: UUID
    scope: Scope
    include_settlement: bool = Field(
        default=False, description="Add the settlement (pay by results): the fee terms' readers."
    )


class ScorecardExport(Contract):
    filename: str
    media_type: str
    content_base64: str


# --- engagements known to the evaluation service ----------------------------------------


class EvaluationRegistrationView(Contract):
    engagement_id: UUID
    unit_id: UUID
    agency_id: UUID
    registered_at: datetime


class RegistrationsRequest(Contract):
    engagement_ids: list[UUID] = Field(max_length=1000)


class RegistrationsReply(Contract):
    items: list[EvaluationRegistrationView | None]


LIST_TEMPLATES = Rpc("evaluation", "template.list", ListTemplatesRequest, TemplatesReply)
DEFINE_TEMPLATE = Rpc("evaluation", "template.define", DefineTemplateRequest, TemplateView)
OPEN_SCORECARD = Rpc("evaluation", "scorecard.open", OpenScorecardRequest, ScorecardView)
SCORE_ITEM = Rpc("evaluation", "scorecard.score_item", ScoreItemRequest, ScorecardView)
RECORD_DEDUCTION = Rpc("evaluation", "scorecard.deduct", RecordDeductionRequest, ScorecardView)
FINALIZE_SCORECARD = Rpc(
    "evaluation", "scorecard.finalize", FinalizeScorecardRequest, ScorecardView
)
AMEND_SCORECARD = Rpc("evaluation", "scorecard.amend", AmendScorecardRequest, ScorecardView)
MARK_FALSIFIED = Rpc("evaluation", "scorecard.mark_falsified", MarkFalsifiedRequest, ScorecardView)
APPEAL_SCORECARD = Rpc("evaluation", "scorecard.appeal", AppealScorecardRequest, ScorecardView)
ANSWER_APPEAL = Rpc("evaluation", "scorecard.answer_appeal", AnswerAppealRequest, ScorecardView)
GET_SCORECARDS = Rpc("evaluation", "scorecard.get_many", GetScorecardsRequest, ScorecardsReply)
LATEST_SCORECARDS = Rpc(
    "evaluation", "scorecard.latest_for_engagements", LatestScorecardsRequest, LatestScorecardsReply
)
LIST_SCORECARDS = Rpc("evaluation", "scorecard.list", ListScorecardsRequest, ScorecardPage)
GRADE_DISTRIBUTION = Rpc(
    "evaluation", "scorecard.grade_distribution", GradeDistributionRequest, GradeDistributionReply
)
SUGGESTIONS = Rpc("evaluation", "scorecard.suggestions", SuggestionsRequest, SuggestionsReply)
EXPORT_SCORECARD = Rpc("evaluation", "scorecard.export", ExportScorecardRequest, ScorecardExport)
LIST_DISCLOSURES = Rpc("evaluation", "disclosure.list", ListDisclosuresRequest, DisclosurePage)
GET_REGISTRATIONS = Rpc(
    "evaluation", "registration.get_many", RegistrationsRequest, RegistrationsReply
)

EVALUATION_RPCS: tuple[Rpc[Any, Any], ...] = (
    LIST_TEMPLATES,
    DEFINE_TEMPLATE,
    OPEN_SCORECARD,
    SCORE_ITEM,
    RECORD_DEDUCTION,
    FINALIZE_SCORECARD,
    AMEND_SCORECARD,
    MARK_FALSIFIED,
    APPEAL_SCORECARD,
    ANSWER_APPEAL,
    GET_SCORECARDS,
    LATEST_SCORECARDS,
    LIST_SCORECARDS,
    GRADE_DISTRIBUTION,
    SUGGESTIONS,
    EXPORT_SCORECARD,
    LIST_DISCLOSURES,
    GET_REGISTRATIONS,
)
