"""Scorecard steps on a service database, as the tests of scoring and its views take them:
open a card, score every item, finalise; and the event types the outbox then holds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from contracts.evaluation import rpc as ev
from kit.db import Database
from services.evaluation.commands import scorecards, scoring
from services.evaluation.models import messaging
from services.evaluation.templates import standard_c1
from tests.evaluation.conftest import Engagement, caller

C1 = standard_c1()
SCORED = [i for p in C1.parts if p.kind == "scored" for i in p.items]


async def open_card(db: Database, eng: Engagement, user: str = "eva-wang") -> ev.ScorecardView:
    async with db.transaction() as s:
        return await scorecards.open_scorecard(
            s,
            ev.OpenScorecardRequest(
                engagement_id=eng.engagement_id,
                period_start=date(2027, 1, 1),
                period_end=date(2027, 12, 31),
                scope=eng.scope(),
            ),
            caller(user, eng.agency_id),
        )


async def score(
    db: Database, eng: Engagement, card: ev.ScorecardView, user: str, code: str, points: Any
) -> ev.ScorecardView:
    async with db.transaction() as s:
        return await scoring.score_item(
            s,
            ev.ScoreItemRequest(
                scorecard_id=card.id,
                item_code=code,
                points=Decimal(points),
                justification="现场核查",
                evidence=[ev.EvidenceLink(kind="archive_item", ref="doc-1")],
                override_reason="no evidence recorded in the platform",
                scope=eng.scope(),
            ),
            caller(user, eng.agency_id),
        )


async def score_all(
    db: Database, eng: Engagement, card: ev.ScorecardView, user: str, less: Decimal
):
    """Every item at its maximum minus `less` (not below 0)."""
    for item in SCORED:
        assert item.max_points is not None
        await score(db, eng, card, user, item.code, max(Decimal(0), item.max_points - less))


async def call(db: Database, use_case: Any, req: Any, user: str, eng: Engagement) -> Any:
    async with db.transaction() as s:
        return await use_case(s, req, caller(user, eng.agency_id))


async def outbox_types(db: Database) -> list[str]:
    async with db.transaction() as s:
        rows = await s.execute(select(messaging.outbox.c.subject).order_by(messaging.outbox.c.seq))
        return [r[0].removeprefix("ecohost.events.") for r in rows]


async def finalised_card(db: Database, eng: Engagement, less: Decimal) -> ev.ScorecardView:
    await eng.register(db)
    card = await open_card(db, eng)
    await score_all(db, eng, card, "eva-wang", less)
    req = ev.FinalizeScorecardRequest(scorecard_id=card.id, scope=eng.scope())
    view: ev.ScorecardView = await call(db, scoring.finalize, req, "eva-wang", eng)
    return view
