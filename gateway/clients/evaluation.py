"""Client of the evaluation service (绩效评价): templates, scorecards and disclosures."""

from __future__ import annotations

from uuid import UUID

from contracts.core import Page, Scope
from contracts.evaluation import rpc as evaluation_rpc
from contracts.evaluation import rpc_statistics as evaluation_rpc_statistics
from contracts.statistics import RegionStatisticsRequest
from gateway.clients.base import ServiceClient


class EvaluationClient(ServiceClient):
    async def registrations(
        self, engagement_ids: list[UUID]
    ) -> list[evaluation_rpc.EvaluationRegistrationView | None]:
        req = evaluation_rpc.RegistrationsRequest(engagement_ids=engagement_ids)
        return (await self._call(evaluation_rpc.GET_REGISTRATIONS, req)).items

    async def templates(self, code: str | None, scope: Scope) -> list[evaluation_rpc.TemplateView]:
        req = evaluation_rpc.ListTemplatesRequest(code=code, scope=scope)
        return (await self._call(evaluation_rpc.LIST_TEMPLATES, req)).items

    async def define_template(
        self, req: evaluation_rpc.DefineTemplateRequest
    ) -> evaluation_rpc.TemplateView:
        return await self._call(evaluation_rpc.DEFINE_TEMPLATE, req)

    async def open(self, req: evaluation_rpc.OpenScorecardRequest) -> evaluation_rpc.ScorecardView:
        return await self._call(evaluation_rpc.OPEN_SCORECARD, req)

    async def score(self, req: evaluation_rpc.ScoreItemRequest) -> evaluation_rpc.ScorecardView:
        return await self._call(evaluation_rpc.SCORE_ITEM, req)

    async def deduct(
        self, req: evaluation_rpc.RecordDeductionRequest
    ) -> evaluation_rpc.ScorecardView:
        return await self._call(evaluation_rpc.RECORD_DEDUCTION, req)

    async def finalize(
        self, req: evaluation_rpc.FinalizeScorecardRequest
    ) -> evaluation_rpc.ScorecardView:
        return await self._call(evaluation_rpc.FINALIZE_SCORECARD, req)

    async def amend(
        self, req: evaluation_rpc.AmendScorecardRequest
    ) -> evaluation_rpc.ScorecardView:
        return await self._call(evaluation_rpc.AMEND_SCORECARD, req)

    async def appeal(
        self, req: evaluation_rpc.AppealScorecardRequest
    ) -> evaluation_rpc.ScorecardView:
        return await self._call(evaluation_rpc.APPEAL_SCORECARD, req)

    async def answer_appeal(
        self, req: evaluation_rpc.AnswerAppealRequest
    ) -> evaluation_rpc.ScorecardView:
        return await self._call(evaluation_rpc.ANSWER_APPEAL, req)

    async def mark_falsified(
        self, req: evaluation_rpc.MarkFalsifiedRequest
    ) -> evaluation_rpc.ScorecardView:
        return await self._call(evaluation_rpc.MARK_FALSIFIED, req)

    async def scorecards(
        self, ids: list[UUID], scope: Scope
    ) -> list[evaluation_rpc.ScorecardView | None]:
        req = evaluation_rpc.GetScorecardsRequest(ids=ids, scope=scope)
        return (await self._call(evaluation_rpc.GET_SCORECARDS, req)).items

    async def latest_scorecards(
        self, engagement_ids: list[UUID], scope: Scope
    ) -> list[evaluation_rpc.ScorecardSummary | None]:
        req = evaluation_rpc.LatestScorecardsRequest(engagement_ids=engagement_ids, scope=scope)
        return (await self._call(evaluation_rpc.LATEST_SCORECARDS, req)).items

    async def list_scorecards(
        self, scope: Scope, f: evaluation_rpc.ScorecardFilter, page: Page
    ) -> evaluation_rpc.ScorecardPage:
        req = evaluation_rpc.ListScorecardsRequest(scope=scope, filter=f, page=page)
        return await self._call(evaluation_rpc.LIST_SCORECARDS, req)

    async def distribution(
        self, scope: Scope, period: str | None
    ) -> evaluation_rpc.GradeDistributionReply:
        req = evaluation_rpc.GradeDistributionRequest(scope=scope, period_label=period)
        return await self._call(evaluation_rpc.GRADE_DISTRIBUTION, req)

    async def suggestions(
        self, scorecard_id: UUID, scope: Scope
    ) -> list[evaluation_rpc.SuggestionView]:
        req = evaluation_rpc.SuggestionsRequest(scorecard_id=scorecard_id, scope=scope)
        return (await self._call(evaluation_rpc.SUGGESTIONS, req)).items

    async def export(
        self, scorecard_id: UUID, scope: Scope, *, include_settlement: bool = False
    ) -> evaluation_rpc.ScorecardExport:
        req = evaluation_rpc.ExportScorecardRequest(
            scorecard_id=scorecard_id, scope=scope, include_settlement=include_settlement
        )
        return await self._call(evaluation_rpc.EXPORT_SCORECARD, req)

    async def disclosures(self, page: Page) -> evaluation_rpc.DisclosurePage:
        req = evaluation_rpc.ListDisclosuresRequest(page=page)
        return await self._call(evaluation_rpc.LIST_DISCLOSURES, req)

    async def grade_statistics(
        self, req: RegionStatisticsRequest
    ) -> evaluation_rpc_statistics.GradeStatisticsReply:
        return await self._call(evaluation_rpc_statistics.GRADE_STATISTICS, req)
