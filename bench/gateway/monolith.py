"""(c) the monolith a team would build instead of services: one FastAPI + strawberry
process, SQLAlchemy ORM models and per-request DataLoaders reading the three databases
directly, strawberry's parser and validation caches on.

Written once, plainly, as the baseline; not tuned afterwards. It shares what a monolith
would share with the system: the ORM models, the domain rules (`is_overdue`, the
scorecard `outcome`), the token verifier and the casbin policy (every field the system
checks is checked here too, memoised per request like the gateway's `Authorizer`). It
answers only what the dashboard query (`workload.DASHBOARD`) asks, for an agency's
staff, and must answer it with the same JSON as the system (asserted before timing).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from starlette.requests import HTTPConnection
from strawberry.dataloader import DataLoader
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.types import Info

from contracts.engagement.enums import ServiceMode, Stage
from contracts.evaluation.enums import Grade, ScorecardKind, ScorecardStatus
from contracts.evaluation.rpc import TemplateDefinition
from gateway.authz.authorizer import Authorizer
from gateway.authz.enforcer import build_enforcer
from gateway.settings import GatewaySettings
from kit.auth import ANONYMOUS, AuthError, TokenVerifier
from services.archive.ledger.models import TraceEntry as TraceRow
from services.engagement import clock
from services.engagement.models import ChecklistEntry, ServiceRecord
from services.engagement.models import Engagement as EngagementRow
from services.engagement.models import ListItem as ListItemRow
from services.engagement.models import Unit as UnitRow
from services.engagement.workflow.domain import is_overdue
from services.evaluation.models import Deduction, EvaluationTemplate, Falsification, ItemScore
from services.evaluation.models import Scorecard as ScorecardRow
from services.evaluation.views import outcome

for _enum in (ServiceMode, Stage, Grade, ScorecardStatus):
    strawberry.enum(_enum)  # GraphQL values are the members' names, as in the system


def global_id(kind: str, id_: UUID) -> str:
    return base64.b64encode(f"{kind}:{id_}".encode()).decode()


# --- per-request context: the caller, its casbin decisions, the loaders --------------


# A request holds up to three sessions at once (its loaders); with SQLAlchemy's
# default pool (5 + 10 overflow) 32 clients waited out the 30 s pool timeout.
POOL = {"pool_size": 32, "max_overflow": 32}


class Databases:
    def __init__(self, settings: dict[str, str]) -> None:
        self.engagement = async_sessionmaker(create_async_engine(settings["engagement"], **POOL))
        self.evaluation = async_sessionmaker(create_async_engine(settings["evaluation"], **POOL))
        self.archive = async_sessionmaker(create_async_engine(settings["archive"], **POOL))


class Context(BaseContext):
    def __init__(self, db: Databases, authorizer: Authorizer) -> None:
        super().__init__()
        self.db = db
        self.authorizer = authorizer
        try:  # the dashboard's callers are an agency's staff (see the module's doc)
            self.agency_id: UUID | None = UUID(authorizer.principal.tenant_id)
        except ValueError:
            self.agency_id = None
        self.units = DataLoader(load_fn=self._units)
        self.list_items = DataLoader(load_fn=self._list_items)
        self.checklists = DataLoader(load_fn=self._checklists)
        self.traces = DataLoader(load_fn=self._traces)
        self.scorecards = DataLoader(load_fn=self._latest_scorecards)

    async def _units(self, ids: Sequence[UUID]) -> list[UnitRow | None]:
        async with self.db.engagement() as s:
            rows = (await s.scalars(select(UnitRow).where(UnitRow.id.in_(ids)))).all()
        return [next((u for u in rows if u.id == i), None) for i in ids]

    async def _list_items(self, ids: Sequence[UUID]) -> list[list[ListItem]]:
        async with self.db.engagement() as s:
            items = (
                await s.scalars(
                    select(ListItemRow)
                    .where(ListItemRow.engagement_id.in_(ids), ListItemRow.voided_at.is_(None))
                    .order_by(ListItemRow.created_at)
                )
            ).all()
            counted = await s.execute(
                select(ServiceRecord.list_item_id, func.count())
                .where(ServiceRecord.engagement_id.in_(ids), ServiceRecord.voided_at.is_(None))
                .group_by(ServiceRecord.list_item_id)
            )
            done = {item_id: n for item_id, n in counted.all()}
        today = clock.today()
        out: dict[UUID, list[ListItem]] = defaultdict(list)
        for i in items:
            out[i.engagement_id].append(
                ListItem(
                    id=strawberry.ID(str(i.id)),
                    catalogue_code=i.catalogue_code,
                    scope=i.scope,
                    status=i.status,
                    contracted_quantity=i.contracted_quantity,
                    done_quantity=done.get(i.id, 0),
                    due_date=i.due_date,
                    overdue=is_overdue(i.status, i.due_date, today),
                )
            )
        return [out[i] for i in ids]

    async def _checklists(self, ids: Sequence[UUID]) -> list[Checklist]:
        async with self.db.engagement() as s:
            rows = (
                await s.scalars(select(ChecklistEntry).where(ChecklistEntry.engagement_id.in_(ids)))
            ).all()
        statuses: dict[UUID, list[str]] = defaultdict(list)
        for r in rows:
            statuses[r.engagement_id].append(r.status)
        return [Checklist(statuses=statuses[i]) for i in ids]

    async def _traces(self, ids: Sequence[UUID]) -> list[list[TraceEntry]]:
        async with self.db.archive() as s:
            rows = (
                await s.scalars(
                    select(TraceRow)
                    .where(TraceRow.engagement_id.in_(ids))
                    .order_by(TraceRow.engagement_id, TraceRow.seq)
                )
            ).all()
        out: dict[UUID, list[TraceEntry]] = defaultdict(list)
        for r in rows:
            out[r.engagement_id].append(
                TraceEntry(
                    seq=r.seq, event_type=r.event_type, actor=r.actor, occurred_at=r.occurred_at
                )
            )
        return [out[i] for i in ids]

    async def _latest_scorecards(self, ids: Sequence[UUID]) -> list[Scorecard | None]:
        async with self.db.evaluation() as s:
            cards = (
                await s.scalars(
                    select(ScorecardRow).where(
                        ScorecardRow.engagement_id.in_(ids),
                        ScorecardRow.agency_id == self.agency_id,
                        ScorecardRow.kind == ScorecardKind.BINDING,
                    )
                )
            ).all()
            # Current: no later version of the same series.
            newest: dict[UUID, int] = {}
            for c in cards:
                newest[c.series_id] = max(newest.get(c.series_id, 0), c.version)
            latest: dict[UUID, ScorecardRow] = {}
            for c in cards:
                if c.version != newest[c.series_id]:
                    continue
                best = latest.get(c.engagement_id)
                if best is None or (c.period_end, c.opened_at) > (best.period_end, best.opened_at):
                    latest[c.engagement_id] = c
            card_ids = [c.id for c in latest.values()]
            templates = {
                t.id: TemplateDefinition.model_validate(t.definition)
                for t in await s.scalars(
                    select(EvaluationTemplate).where(
                        EvaluationTemplate.id.in_({c.template_id for c in latest.values()})
                    )
                )
            }
            scores: dict[UUID, list[ItemScore]] = defaultdict(list)
            for sc in await s.scalars(
                select(ItemScore)
                .where(ItemScore.scorecard_id.in_(card_ids))
                .order_by(ItemScore.item_code, ItemScore.scored_at)
            ):
                scores[sc.scorecard_id].append(sc)
            deductions: dict[UUID, list[Deduction]] = defaultdict(list)
            for d in await s.scalars(
                select(Deduction).where(Deduction.scorecard_id.in_(card_ids)).order_by(Deduction.id)
            ):
                deductions[d.scorecard_id].append(d)
            falsified = set(
                await s.scalars(
                    select(Falsification.scorecard_id).where(
                        Falsification.scorecard_id.in_(card_ids)
                    )
                )
            )
        found: dict[UUID, Scorecard] = {}
        for engagement_id, c in latest.items():
            o = outcome(
                templates[c.template_id],
                scores[c.id],
                deductions[c.id],
                c.id in falsified,
                c.weights,
            )
            status = ScorecardStatus.FALSIFIED if c.id in falsified else ScorecardStatus(c.status)
            found[engagement_id] = Scorecard(
                id=strawberry.ID(global_id("Scorecard", c.id)),
                status=status,
                period_label=c.period_label,
                total=o.total,
                grade=Grade(o.grade),
            )
        return [found.get(i) for i in ids]


# --- the types the dashboard reads -----------------------------------------------------


@strawberry.type
class Unit:
    id: strawberry.ID
    name: str
    uscc: str
    region_code: str


@strawberry.type
class ListItem:
    id: strawberry.ID
    catalogue_code: str
    scope: str
    status: str
    contracted_quantity: int | None
    done_quantity: int
    due_date: date | None
    overdue: bool


@strawberry.type
class Checklist:
    statuses: strawberry.Private[list[str]]

    @strawberry.field
    def completeness(self) -> float:
        if not self.statuses:
            return 100.0
        settled = sum(1 for s in self.statuses if s != "pending")
        return round(100 * settled / len(self.statuses), 1)


@strawberry.type
class TraceEntry:
    seq: int
    event_type: str
    actor: str
    occurred_at: datetime


@strawberry.type
class Scorecard:
    id: strawberry.ID
    status: ScorecardStatus
    period_label: str
    total: Decimal
    grade: Grade


@strawberry.type
class Engagement:
    row: strawberry.Private[EngagementRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Engagement", self.row.id))

    @strawberry.field
    def stage(self) -> Stage:
        return Stage(self.row.stage)

    @strawberry.field
    def service_modes(self) -> list[ServiceMode]:
        return [ServiceMode(m) for m in self.row.service_modes]

    @strawberry.field
    def period_start(self) -> date:
        return self.row.period_start

    @strawberry.field
    def period_end(self) -> date:
        return self.row.period_end

    @strawberry.field
    def contracted_team_size(self) -> int | None:
        return self.row.contracted_team_size

    @strawberry.field
    def contract_signed_on(self) -> date | None:
        return self.row.contract_signed_on

    @strawberry.field
    async def unit(self, info: Info[Context, None]) -> Unit | None:
        if not info.context.authorizer.can("unit", "read"):
            return None
        u = await info.context.units.load(self.row.unit_id)
        if u is None:
            return None
        return Unit(
            id=strawberry.ID(global_id("Unit", u.id)),
            name=u.name,
            uscc=u.uscc,
            region_code=u.region_code,
        )

    @strawberry.field
    async def list_items(self, info: Info[Context, None]) -> list[ListItem]:
        return await info.context.list_items.load(self.row.id)

    @strawberry.field
    async def checklist(self, info: Info[Context, None]) -> Checklist:
        return await info.context.checklists.load(self.row.id)

    @strawberry.field
    async def trace(self, info: Info[Context, None]) -> list[TraceEntry] | None:
        if not info.context.authorizer.can("trace", "read"):
            return None
        return await info.context.traces.load(self.row.id)

    @strawberry.field
    async def latest_scorecard(self, info: Info[Context, None]) -> Scorecard | None:
        if not info.context.authorizer.can("scorecard", "read"):
            return None
        return await info.context.scorecards.load(self.row.id)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class EngagementEdge:
    node: Engagement


@strawberry.type
class EngagementConnection:
    total_count: int
    page_info: PageInfo
    edges: list[EngagementEdge]


@strawberry.type
class Query:
    @strawberry.field
    async def engagements(self, info: Info[Context, None], first: int = 20) -> EngagementConnection:
        ctx = info.context
        if not ctx.authorizer.can("engagement", "read"):
            return EngagementConnection(
                total_count=0, page_info=PageInfo(has_next_page=False, end_cursor=None), edges=[]
            )
        mine = EngagementRow.agency_id == ctx.agency_id
        async with ctx.db.engagement() as s:
            rows = list(
                (
                    await s.scalars(
                        select(EngagementRow)
                        .where(mine)
                        .order_by(EngagementRow.id)
                        .limit(first + 1)
                    )
                ).all()
            )
            total = await s.scalar(select(func.count()).select_from(EngagementRow).where(mine))
        page = rows[:first]
        cursor = base64.b64encode(f"cursor:{page[-1].id}".encode()).decode() if page else None
        return EngagementConnection(
            total_count=total or 0,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=cursor),
            edges=[EngagementEdge(node=Engagement(row=r)) for r in page],
        )


# --- the app ------------------------------------------------------------------------------


def create_monolith(database_urls: dict[str, str]) -> FastAPI:
    settings = GatewaySettings()
    verifier = TokenVerifier(settings.auth)
    db = Databases(database_urls)
    held: dict[str, Any] = {}

    async def context_getter(request: HTTPConnection) -> Context:
        if "enforcer" not in held:
            held["enforcer"] = await build_enforcer(settings.database_url)
        try:
            principal = verifier.principal_from_header(request.headers.get("authorization"))
        except AuthError:
            principal = ANONYMOUS
        return Context(db, Authorizer(held["enforcer"], principal))

    schema = strawberry.Schema(
        query=Query,
        extensions=[lambda: ParserCache(maxsize=512), lambda: ValidationCache(maxsize=512)],
    )
    app = FastAPI()
    app.include_router(GraphQLRouter(schema, context_getter=context_getter), prefix="/graphql")

    @app.get("/bench/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve_monolith(port: int) -> None:
    import os

    import uvicorn

    urls = {
        name: os.environ[f"ECOHOST_{name.upper()}_DATABASE_URL"]
        for name in ("engagement", "evaluation", "archive")
    }
    uvicorn.run(
        create_monolith(urls), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
