"""Typed client of the evaluation service, as the gateway sees it.

Kept beside the evaluation GraphQL rather than in gateway/clients.py: it shares
the request's `Services` connection and call context, so identity and request id
travel exactly as for the other services.
"""

from __future__ import annotations

from uuid import UUID

from contracts.core import Page, Scope
from contracts.evaluation import rpc as ev
from gateway.clients import Services


class EvaluationClient:
    def __init__(self, services: Services) -> None:
        self._client = services.client
        self._ctx = services.ctx

    async def templates(self, code: str | None, scope: Scope) -> list[ev.TemplateView]:
        req = ev.ListTemplatesRequest(code=code, scope=scope)
        return (await self._client.call(ev.LIST_TEMPLATES, req, self._ctx)).items

    async def define_template(self, req: ev.DefineTemplateRequest) -> ev.TemplateView:
        return await self._client.call(ev.DEFINE_TEMPLATE, req, self._ctx)

    async def open(self, req: ev.OpenScorecardRequest) -> ev.ScorecardView:
        return await self._client.call(ev.OPEN_SCORECARD, req, self._ctx)

    async def score(self, req: ev.ScoreItemRequest) -> ev.ScorecardView:
        return await self._client.call(ev.SCORE_ITEM, req, self._ctx)

    async def deduct(self, req: ev.RecordDeductionRequest) -> ev.ScorecardView:
        return await self._client.call(ev.RECORD_DEDUCTION, req, self._ctx)

    async def finalize(self, req: ev.FinalizeScorecardRequest) -> ev.ScorecardView:
        return await self._client.call(ev.FINALIZE_SCORECARD, req, self._ctx)

    async def amend(self, req: ev.AmendScorecardRequest) -> ev.ScorecardView:
        return await self._client.call(ev.AMEND_SCORECARD, req, self._ctx)

    async def mark_falsified(self, req: ev.MarkFalsifiedRequest) -> ev.ScorecardView:
        return await self._client.call(ev.MARK_FALSIFIED, req, self._ctx)

    async def scorecards(self, ids: list[UUID], scope: Scope) -> list[ev.ScorecardView | None]:
        req = ev.GetScorecardsRequest(ids=ids, scope=scope)
        return (await self._client.call(ev.GET_SCORECARDS, req, self._ctx)).items

    async def list_scorecards(
        self, scope: Scope, f: ev.ScorecardFilter, page: Page
    ) -> ev.ScorecardPage:
        req = ev.ListScorecardsRequest(scope=scope, filter=f, page=page)
        return await self._client.call(ev.LIST_SCORECARDS, req, self._ctx)

    async def distribution(self, scope: Scope, period: str | None) -> ev.GradeDistributionReply:
        req = ev.GradeDistributionRequest(scope=scope, period_label=period)
        return await self._client.call(ev.GRADE_DISTRIBUTION, req, self._ctx)

    async def suggestions(self, scorecard_id: UUID, scope: Scope) -> list[ev.SuggestionView]:
        req = ev.SuggestionsRequest(scorecard_id=scorecard_id, scope=scope)
        return (await self._client.call(ev.SUGGESTIONS, req, self._ctx)).items

    async def export(self, scorecard_id: UUID, scope: Scope) -> ev.ScorecardExport:
        req = ev.ExportScorecardRequest(scorecard_id=scorecard_id, scope=scope)
        return await self._client.call(ev.EXPORT_SCORECARD, req, self._ctx)

    async def disclosures(self, page: Page) -> ev.DisclosurePage:
        req = ev.ListDisclosuresRequest(page=page)
        return await self._client.call(ev.LIST_DISCLOSURES, req, self._ctx)
