"""Queries of performance evaluation. Each checks casbin first, then the service
scopes in SQL with the caller's `Scope`; a denied read is empty, never an error."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from contracts.core import Page, ValidationFailed
from contracts.evaluation import rpc as evaluation_rpc
from contracts.evaluation.enums import Grade
from gateway.context import Context, scope_of
from gateway.evaluation.disclosure_types import Disclosure, DisclosureConnection, DisclosureEdge
from gateway.evaluation.types import (
    AgencyResults,
    EvaluationTemplate,
    GradeDistribution,
    Scorecard,
    ScorecardConnection,
)
from gateway.ids import decode_global_id, encode_cursor
from gateway.pagination import optional_id, page_info, page_of
from kit.auth import TenantKind

SCORECARD_LIST_LIMIT = 500
"""Rows of the unpaged scorecard lists (a unit's history, an agency's period)."""


def _empty_scorecards(after: str | None) -> ScorecardConnection:
    return ScorecardConnection(edges=[], page_info=page_info([], False, after), total_count=0)


@strawberry.type
class EvaluationQueries:
    @strawberry.field(
        description="Evaluation templates by code: the standard's table C.1, your agency's "
        "variants, and the variants of the scorecards you may see."
    )
    async def evaluation_templates(
        self, info: Info[Context, None], code: str | None = None
    ) -> list[EvaluationTemplate]:
        ctx = info.context
        if not ctx.authorizer.can("template", "read"):
            return []
        views = await ctx.clients.evaluation.templates(code, scope_of(ctx.authorizer))
        return [EvaluationTemplate.from_view(v) for v in views]

    @strawberry.field(description="A scorecard by its global ID; null if missing or not yours.")
    async def scorecard(self, info: Info[Context, None], id: strawberry.ID) -> Scorecard | None:
        ctx = info.context
        if not ctx.authorizer.can("scorecard", "read"):
            return None
        try:
            uuid = decode_global_id(id, "Scorecard", field="id")
        except ValidationFailed:
            return None
        [view] = await ctx.clients.evaluation.scorecards([uuid], scope_of(ctx.authorizer))
        return Scorecard.from_view(view) if view else None

    @strawberry.field(
        description="Scorecards you may see, oldest first; amended versions are hidden "
        "unless includeSuperseded."
    )
    async def scorecards(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        unit_id: strawberry.ID | None = None,
        agency_id: str | None = None,
        engagement_id: strawberry.ID | None = None,
        period_label: str | None = None,
        grade: Grade | None = None,
        finalized_only: bool = False,
        include_superseded: bool = False,
    ) -> ScorecardConnection:
        ctx = info.context
        page = page_of(first, after)
        try:
            agency = UUID(agency_id) if agency_id else None
        except ValueError:
            raise ValidationFailed("not an agency id", field="agencyId") from None
        f = evaluation_rpc.ScorecardFilter(
            unit_id=optional_id(unit_id, "Unit", "unitId"),
            agency_id=agency,
            engagement_id=optional_id(engagement_id, "Engagement", "engagementId"),
            period_label=period_label,
            grade=grade,
            finalized_only=finalized_only,
            current_only=not include_superseded,
        )
        if not ctx.authorizer.can("scorecard", "read"):
            return _empty_scorecards(after)
        result = await ctx.clients.evaluation.list_scorecards(scope_of(ctx.authorizer), f, page)
        return ScorecardConnection(
            edges=[
                relay.Edge(cursor=encode_cursor(s.id), node=Scorecard.from_view(s))
                for s in result.items
            ],
            page_info=page_info([s.id for s in result.items], result.has_next, after),
            total_count=result.total,
        )

    @strawberry.field(description="A unit's decided grades over time (current versions).")
    async def unit_grade_history(
        self, info: Info[Context, None], unit_id: strawberry.ID
    ) -> list[Scorecard]:
        ctx = info.context
        if not ctx.authorizer.can("scorecard", "read"):
            return []
        f = evaluation_rpc.ScorecardFilter(
            unit_id=optional_id(unit_id, "Unit", "unitId"), finalized_only=True
        )
        result = await ctx.clients.evaluation.list_scorecards(
            scope_of(ctx.authorizer), f, Page(limit=SCORECARD_LIST_LIMIT)
        )
        return sorted((Scorecard.from_view(s) for s in result.items), key=lambda s: s.period_start)

    @strawberry.field(description="Your agency's decided results across its units for a period.")
    async def agency_results(
        self, info: Info[Context, None], period_label: str
    ) -> AgencyResults | None:
        ctx = info.context
        if ctx.principal.tenant_kind is not TenantKind.AGENCY or not ctx.authorizer.can(
            "scorecard", "read"
        ):
            return None
        scope = scope_of(ctx.authorizer)
        client = ctx.clients.evaluation
        f = evaluation_rpc.ScorecardFilter(period_label=period_label, finalized_only=True)
        result = await client.list_scorecards(scope, f, Page(limit=SCORECARD_LIST_LIMIT))
        counts = await client.distribution(scope, period_label)
        return AgencyResults(
            period_label=period_label,
            scorecards=[Scorecard.from_view(s) for s in result.items],
            distribution=GradeDistribution.from_reply(period_label, counts),
        )

    @strawberry.field(
        description="Distribution of decided grades over what you may see: a regulator's "
        "region, an agency's units. Null without permission."
    )
    async def grade_distribution(
        self, info: Info[Context, None], period_label: str | None = None
    ) -> GradeDistribution | None:
        ctx = info.context
        if not ctx.authorizer.can("scorecard", "read"):
            return None
        reply = await ctx.clients.evaluation.distribution(scope_of(ctx.authorizer), period_label)
        return GradeDistribution.from_reply(period_label, reply)

    @strawberry.field(
        description="Published falsification findings (R7.2 向社会公布). Public: no login."
    )
    async def falsification_disclosures(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> DisclosureConnection:
        # Deliberately NOT checked with ctx.authorizer: R7.2 requires these results
        # to be made public, so anonymous callers read them. This is the only
        # evaluation field without a casbin check (casbin never allows anonymous,
        # see Authorizer._decide); it exposes only what the standard publishes.
        ctx = info.context
        page = page_of(first, after)
        result = await ctx.clients.evaluation.disclosures(page)
        return DisclosureConnection(
            edges=[
                DisclosureEdge(cursor=encode_cursor(d.id), node=Disclosure.from_view(d))
                for d in result.items
            ],
            page_info=page_info([d.id for d in result.items], result.has_next, after),
            total_count=result.total,
        )
