"""Evaluation reads: registrations, scorecards and the views built on them, grade
counts, suggestions, templates, public disclosures and the XLSX export."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation import enums as evaluation_enums
from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import rpc as evaluation_rpc
from kit.keyset import page_of
from services.evaluation import domain, export_xlsx, repository, suggestions
from services.evaluation.models import EvaluationTemplate, Scorecard
from services.evaluation.statistics import repository as statistics_repository
from services.evaluation.views import (
    ScorecardFacts,
    disclosure_view,
    registration_view,
    scorecard_summary,
    template_view,
)
from services.evaluation.views import scorecard_view as build_scorecard_view

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def registrations(
    session: AsyncSession, req: evaluation_rpc.RegistrationsRequest
) -> evaluation_rpc.RegistrationsReply:
    found = await repository.registrations(session, req.engagement_ids)
    return evaluation_rpc.RegistrationsReply(
        items=[registration_view(found[i]) if i in found else None for i in req.engagement_ids]
    )


async def scorecard_facts(session: AsyncSession, cards: Sequence[Scorecard]) -> ScorecardFacts:
    """What the views of these scorecards need, in a fixed number of queries (no N+1)."""
    ids = [c.id for c in cards]
    templates = await repository.templates_by_ids(session, list({c.template_id for c in cards}))
    return ScorecardFacts(
        templates=templates,
        definitions=_definitions(templates),
        scores=await repository.scores(session, ids),
        deductions=await repository.deductions(session, ids),
        falsified=await repository.falsifications(session, ids),
        superseded=await repository.superseded(session, cards),
        appeals=await repository.appeals(session, ids),
    )


def _definitions(
    templates: dict[UUID, EvaluationTemplate],
) -> dict[UUID, evaluation_rpc.TemplateDefinition]:
    # Parsed once per template, not once per card: a list shares one or two.
    return {
        i: evaluation_rpc.TemplateDefinition.model_validate(t.definition)
        for i, t in templates.items()
    }


async def scorecard_view(session: AsyncSession, card: Scorecard) -> evaluation_rpc.ScorecardView:
    return build_scorecard_view(card, await scorecard_facts(session, [card]))


async def history(session: AsyncSession, engagement_id: UUID) -> list[suggestions.Evidence]:
    """The workflow facts kept as evidence for an engagement, in the order they happened."""
    rows = await repository.evidence_of(session, engagement_id)
    return [suggestions.Evidence(r.event_id, r.kind, r.occurred_at, r.data) for r in rows]


async def get_scorecards(
    session: AsyncSession, req: evaluation_rpc.GetScorecardsRequest
) -> evaluation_rpc.ScorecardsReply:
    found = await repository.scorecards_by_ids(session, req.ids, req.scope)
    facts = await scorecard_facts(session, list(found.values()))
    views = {i: build_scorecard_view(card, facts) for i, card in found.items()}
    return evaluation_rpc.ScorecardsReply(items=[views.get(i) for i in req.ids])


async def list_scorecards(
    session: AsyncSession, req: evaluation_rpc.ListScorecardsRequest
) -> evaluation_rpc.ScorecardPage:
    query = repository.scorecards_query(req.scope, req.filter)
    found, has_next, total = await page_of(session, query, Scorecard.id, req.page)
    rows = [r[0] for r in found]
    facts = await scorecard_facts(session, rows)
    return evaluation_rpc.ScorecardPage(
        items=[scorecard_summary(r, facts) for r in rows], has_next=has_next, total=total
    )


async def latest_scorecards(
    session: AsyncSession, req: evaluation_rpc.LatestScorecardsRequest
) -> evaluation_rpc.LatestScorecardsReply:
    """One query for all the engagements, then the latest per engagement in Python
    (a page asks for at most a few hundred, each with a handful of scorecards)."""
    wanted = list(dict.fromkeys(req.engagement_ids))
    rows = await repository.current_card_rows(session, wanted, req.scope)
    latest: dict[UUID, Any] = {}
    for row in rows:
        best = latest.get(row.engagement_id)
        if best is None or (row.period_end, row.opened_at) > (best.period_end, best.opened_at):
            latest[row.engagement_id] = row
    facts = await summary_facts(session, list(latest.values()))
    found = {e: scorecard_summary(card, facts) for e, card in latest.items()}
    return evaluation_rpc.LatestScorecardsReply(items=[found.get(e) for e in req.engagement_ids])


async def summary_facts(session: AsyncSession, cards: Sequence[Any]) -> ScorecardFacts:
    """What summaries of current cards (`repository.current_card_rows`) add up: their
    templates and the bare points of their scores and deductions. Three queries where
    `scorecard_facts` runs six: the cards carry whether they are falsified, and being
    current none is superseded; a summary shows no appeals."""
    ids = [c.id for c in cards]
    templates = await repository.templates_by_ids(session, list({c.template_id for c in cards}))
    return ScorecardFacts(
        templates=templates,
        definitions=_definitions(templates),
        scores=await repository.score_points(session, ids),
        deductions=await repository.deducted_points(session, ids),
        falsified={c.id: None for c in cards if c.falsified},
        superseded=set(),
    )


async def grade_distribution(
    session: AsyncSession, req: evaluation_rpc.GradeDistributionRequest
) -> evaluation_rpc.GradeDistributionReply:
    if statistics_repository.counted_by_region(req.scope):  # a regulator: the counters
        counts = await statistics_repository.tallied_grade_counts(
            session, req.scope, req.period_label
        )
    else:
        counts = await repository.grade_counts(session, req.scope, req.period_label)
    return evaluation_rpc.GradeDistributionReply(
        total=sum(counts.values()),
        counts=[
            evaluation_rpc.GradeCount(grade=g, count=counts.get(g, 0))
            for g in evaluation_enums.Grade
        ],
    )


async def suggest(
    session: AsyncSession, req: evaluation_rpc.SuggestionsRequest
) -> evaluation_rpc.SuggestionsReply:
    card = await repository.scorecard(session, req.scorecard_id, req.scope)
    if card is None:
        raise evaluation_errors.ScorecardNotFound("no such scorecard", field="scorecardId")
    template = await repository.template(session, card.template_id)
    assert template is not None
    definition = evaluation_rpc.TemplateDefinition.model_validate(template.definition)
    maxima = {i.code: i.max_points for i in domain.scored_items(definition) if i.max_points}
    found = suggestions.suggest(
        await history(session, card.engagement_id),
        suggestions.Period(card.period_start, card.period_end),
        maxima,
    )
    return evaluation_rpc.SuggestionsReply(
        items=[
            evaluation_rpc.SuggestionView(
                item_code=s.item_code,
                max_points=s.max_points,
                points=s.points,
                rationale=s.rationale,
                evidence=[
                    evaluation_rpc.EvidenceLink(
                        kind=evaluation_enums.EvidenceKind.EVENT, ref=str(i)
                    )
                    for i in s.evidence
                ],
            )
            for s in found
        ]
    )


async def list_templates(
    session: AsyncSession, req: evaluation_rpc.ListTemplatesRequest
) -> evaluation_rpc.TemplatesReply:
    found = await repository.templates(session, req.code, req.scope)
    return evaluation_rpc.TemplatesReply(items=[template_view(t) for t in found])


async def list_disclosures(
    session: AsyncSession, req: evaluation_rpc.ListDisclosuresRequest
) -> evaluation_rpc.DisclosurePage:
    """Public (R7.2 向社会公布): every falsification finding, oldest first."""
    rows, has_next, total = await repository.disclosures(session, req.page)
    units = await repository.units(session, list({c.unit_id for _, c in rows}))
    return evaluation_rpc.DisclosurePage(
        items=[disclosure_view(f, card, units.get(card.unit_id)) for f, card in rows],
        has_next=has_next,
        total=total,
    )


async def export_scorecard(
    session: AsyncSession, req: evaluation_rpc.ExportScorecardRequest
) -> evaluation_rpc.ScorecardExport:
    card = await repository.scorecard(session, req.scorecard_id, req.scope)
    if card is None:
        raise evaluation_errors.ScorecardNotFound("no such scorecard", field="scorecardId")
    view = await scorecard_view(session, card)
    template = await repository.template(session, card.template_id)
    assert template is not None
    # The card's agency gets the unit as it knows it (its own file, if it works from one).
    if req.scope.agency_id is not None:
        unit_name = await repository.unit_name_for(session, card.unit_id, req.scope.agency_id)
    else:
        entry = await repository.unit_entry(session, card.unit_id)
        unit_name = entry.name if entry else None
    content = export_xlsx.render(
        evaluation_rpc.TemplateDefinition.model_validate(template.definition),
        view,
        unit_name=unit_name,
        with_settlement=req.include_settlement,
    )
    return evaluation_rpc.ScorecardExport(
        filename=export_xlsx.filename(view),
        media_type=XLSX_MEDIA_TYPE,
        content_base64=base64.b64encode(content).decode(),
    )
