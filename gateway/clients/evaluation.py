"""Client of the evaluation service (绩效评价): templates, scorecards and disclosures."""

from __future__ import annotations

from uuid import UUID

from contracts.core import Page, Scope
from contracts.evaluation import rpc as evaluation
from gateway.clients.base import ServiceClient


class EvaluationClient(ServiceClient):
    async def templates(self, code: str | None, scope: Scope) -> list[evaluation.TemplateView]:
        req = evaluation.ListTemplatesRequest(code=code, scope=scope)
        return (await self._call(evaluation.LIST_TEMPLATES, req)).items

    async def define_template(
        self, req: evaluation.DefineTemplateRequest
    ) -> evaluation.TemplateView:
        return await self._call(evaluation.DEFINE_TEMPLATE, req)

    async def open(self, req: evaluation.OpenScorecardRequest) -> evaluation.ScorecardView:
        return await self._call(evaluation.OPEN_SCORECARD, req)

    async def score(self, req: evaluation.ScoreItemRequest) -> evaluation.ScorecardView:
        return await self._call(evaluation.SCORE_ITEM, req)

    async def deduct(self, req: evaluation.RecordDeductionRequest) -> evaluation.ScorecardView:
        return await self._call(evaluation.RECORD_DEDUCTION, req)

    async def finalize(self, req: evaluation.FinalizeScorecardRequest) -> evaluation.ScorecardView:
        return await self._call(evaluation.FINALIZE_SCORECARD, req)

    async def amend(self, req: evaluation.AmendScorecardRequest) -> evaluation.ScorecardView:
        return await self._call(evaluation.AMEND_SCORECARD, req)

    async def mark_falsified(
        self, req: evaluation.MarkFalsifiedRequest
    ) -> evaluation.ScorecardView:
        return await self._call(evaluation.MARK_FALSIFIED, req)

    async def scorecards(
        self, ids: list[UUID], scope: Scope
    ) -> list[evaluation.ScorecardView | None]:
        req = evaluation.GetScorecardsRequest(ids=ids, scope=scope)
        return (await self._call(evaluation.GET_SCORECARDS, req)).items

    async def latest_scorecards(
        self, engagement_ids: list[UUID], scope: Scope
    ) -> list[evaluation.ScorecardSummary | None]:
        req = evaluation.LatestScorecardsRequest(engagement_ids=engagement_ids, scope=scope)
        return (await self._call(evaluation.LATEST_SCORECARDS, req)).items

    async def list_scorecards(
        self, scope: Scope, f: evaluation.ScorecardFilter, page: Page
    ) -> evaluation.ScorecardPage:
        req = evaluation.ListScorecardsRequest(scope=scope, filter=f, page=page)
        return await self._call(evaluation.LIST_SCORECARDS, req)

    async def distribution(
        self, scope: Scope, period: str | None
    ) -> evaluation.GradeDistributionReply:
        req = evaluation.GradeDistributionRequest(scope=scope, period_label=period)
        return await self._call(evaluation.GRADE_DISTRIBUTION, req)

    async def suggestions(
        self, scorecard_id: UUID, scope: Scope
    ) -> list[evaluation.SuggestionView]:
        req = evaluation.SuggestionsRequest(scorecard_id=scorecard_id, scope=scope)
        return (await self._call(evaluation.SUGGESTIONS, req)).items

    async def export(self, scorecard_id: UUID, scope: Scope) -> evaluation.ScorecardExport:
        req = evaluation.ExportScorecardRequest(scorecard_id=scorecard_id, scope=scope)
        return await self._call(evaluation.EXPORT_SCORECARD, req)

    async def disclosures(self, page: Page) -> evaluation.DisclosurePage:
        req = evaluation.ListDisclosuresRequest(page=page)
        return await self._call(evaluation.LIST_DISCLOSURES, req)
