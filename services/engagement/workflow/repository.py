"""All SQL of the workflow: engagements, the rows their steps write, and the scans and
batched reads built on them."""

from __future__ import annotations

import typing
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Row,
    String,
    Table,
    TextClause,
    Uuid,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from contracts.engagement.enums import (
    ChecklistStatus,
    EngagementStatus,
    ListItemStatus,
    PlanStatus,
    RecordKind,
    RectificationStatus,
    Stage,
)
from contracts.engagement.rpc import EngagementView, ListEngagementsRequest
from contracts.engagement.rpc_workflow import DueItemsRequest, ListItemView
from kit import prepared
from kit.keyset import AnySelect
from kit.search import search_text
from services.engagement.directory.search import own_file, unit_matches
from services.engagement.models import (
    CatalogueItem,
    ChecklistEntry,
    Engagement,
    ListItem,
    MeetingExpert,
    PlanVersion,
    Rectification,
    Revision,
    ServiceRecord,
    StageReport,
    TeamMemberRow,
    Unit,
    UnitFile,
)
from services.engagement.repository import engagement_scope
from services.engagement.seed import checklist_a1_v1
from services.engagement.workflow.domain import RECURRENCE_WINDOW, Facts
from services.engagement.workflow.new_engagement import NewEngagement

# --- engagements -----------------------------------------------------------------------


async def engagements_by_ids(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, tuple[Engagement, str]]:
    """Engagements with their unit's region code, keyed by id."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Engagement, Unit.region_code)
        .join(Unit, Unit.id == Engagement.unit_id)
        .where(Engagement.id.in_(ids), engagement_scope(scope))
    )
    return {e.id: (e, region) for e, region in rows}


async def engagement_unscoped(session: AsyncSession, engagement_id: UUID) -> Engagement | None:
    """For the service's own reactions to events, which act for no caller."""
    return await session.scalar(select(Engagement).where(Engagement.id == engagement_id))


# The columns an engagement's view shows (all but the region, its unit's): a page reads
# these as plain rows, not ORM engagements (no identity map, no JSON column parsed that
# the reply does not carry).
VIEW_COLUMNS = tuple(
    Engagement.__table__.c[name] for name in EngagementView.model_fields if name != "region_code"
)


def engagements_query(req: ListEngagementsRequest, today: date) -> AnySelect:
    """Engagements in scope as plain rows of the columns their view shows, with their
    unit's `region_code`, narrowed by the list's filters."""
    query: AnySelect = (
        select(*VIEW_COLUMNS, Unit.region_code)
        .join(Unit, Unit.id == Engagement.unit_id)
        .where(engagement_scope(req.scope))
    )
    if req.unit_id is not None:
        query = query.where(Engagement.unit_id == req.unit_id)
    if req.agency_id is not None:
        query = query.where(Engagement.agency_id == req.agency_id)
    if req.stage is not None:
        query = query.where(Engagement.stage == req.stage)
    if req.service_mode is not None:
        # JSON arrays differ between backends; their text form does not: ["roving", …].
        token = f'%"{req.service_mode}"%'
        query = query.where(cast(Engagement.service_modes, String).like(token))
    if req.overdue is not None:
        late = exists().where(
            ListItem.engagement_id == Engagement.id,
            ListItem.status == ListItemStatus.OPEN,
            ListItem.due_date < today,
        )
        query = query.where(late if req.overdue else ~late)
    if (norm := search_text(req.search)) is not None:
        # On the joined unit row, not `unit_id IN (every matching unit)`: an agency's
        # search then probes the grams of its own few hundred engagements' units instead
        # of collecting every match in the province first (docs/BENCHMARKS.md §14).
        mine = req.scope.agency_id is not None
        if mine:
            # An agency's own file of the unit, where it reads that one: a search
            # matches the name it typed, never the registry's (issue 14).
            query = query.outerjoin(UnitFile, own_file(req.scope))
        query = query.where(unit_matches(norm, own_files=mine))
    if req.active_from is not None:
        query = query.where(Engagement.period_end >= req.active_from)
    if req.active_to is not None:
        query = query.where(Engagement.period_start <= req.active_to)
    return query


async def lock_engagement(session: AsyncSession, engagement_id: UUID) -> None:
    """Serialise workflow steps on one engagement (PostgreSQL row lock; SQLite has a
    single writer already), so two concurrent steps cannot both pass a guard."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            select(Engagement.id).where(Engagement.id == engagement_id).with_for_update()
        )


async def facts(session: AsyncSession, engagement: Engagement) -> Facts:
    """Everything the stage guards look at, read in five small queries."""
    items = (
        await session.execute(
            select(ListItem.status, func.count())
            .where(ListItem.engagement_id == engagement.id, ListItem.voided_at.is_(None))
            .group_by(ListItem.status)
        )
    ).all()
    by_status = {status: n for status, n in items}
    team = await session.scalar(
        select(func.count()).where(
            TeamMemberRow.engagement_id == engagement.id, TeamMemberRow.voided_at.is_(None)
        )
    )
    latest = await latest_plan(session, engagement.id)
    missing = await session.scalar(
        select(func.count()).where(
            ChecklistEntry.engagement_id == engagement.id,
            ChecklistEntry.status == ChecklistStatus.PENDING,
        )
    )
    open_codes = await session.scalars(
        select(ListItem.catalogue_code)
        .where(ListItem.engagement_id == engagement.id, ListItem.status == ListItemStatus.OPEN)
        .where(ListItem.voided_at.is_(None))
        .order_by(ListItem.created_at)
    )
    unfinished = tuple(open_codes)
    # Proposed customised items do not count until the client approves them (R5.2).
    counted = sum(n for s, n in by_status.items() if s != ListItemStatus.PROPOSED)
    return Facts(
        stage=Stage(engagement.stage),
        list_items=counted,
        unfinished_items=len(unfinished),
        unfinished_codes=unfinished,
        team_size=int(team or 0),
        contracted_team_size=engagement.contracted_team_size,
        plan_status=PlanStatus(latest.status) if latest else None,
        checklist_missing=int(missing or 0),
        handed_over=engagement.handed_over_on is not None,
        acceptance_required=engagement.assessment is not None,
        results_accepted=engagement.results_accepted_on is not None,
    )


# --- rows written by the steps ---------------------------------------------------------


async def catalogue_entry(session: AsyncSession, version: int, code: str) -> CatalogueItem | None:
    return await session.get(CatalogueItem, (version, code))


async def catalogue(session: AsyncSession, version: int) -> list[CatalogueItem]:
    query = select(CatalogueItem).where(CatalogueItem.version == version)
    return list(await session.scalars(query.order_by(CatalogueItem.code)))


async def list_item(session: AsyncSession, item_id: UUID) -> ListItem | None:
    return await session.get(ListItem, item_id)


async def remove_team(session: AsyncSession, engagement_id: UUID) -> None:
    existing = await session.scalars(
        select(TeamMemberRow).where(TeamMemberRow.engagement_id == engagement_id)
    )
    for row in existing:
        await session.delete(row)


async def team_member(
    session: AsyncSession, engagement_id: UUID, person_id: UUID
) -> TeamMemberRow | None:
    """The engagement's current (not voided) team row of this person."""
    return await session.scalar(
        select(TeamMemberRow).where(
            TeamMemberRow.engagement_id == engagement_id,
            TeamMemberRow.person_id == person_id,
            TeamMemberRow.voided_at.is_(None),
        )
    )


async def current_team(session: AsyncSession, engagement_id: UUID) -> list[TeamMemberRow]:
    query = select(TeamMemberRow).where(
        TeamMemberRow.engagement_id == engagement_id, TeamMemberRow.voided_at.is_(None)
    )
    return list(await session.scalars(query.order_by(TeamMemberRow.name)))


async def forget_meeting_experts(session: AsyncSession, record_id: UUID) -> None:
    """The invitations of a record, before a correction rewrites them (or a void ends them)."""
    rows = await session.scalars(select(MeetingExpert).where(MeetingExpert.record_id == record_id))
    for row in rows:
        await session.delete(row)


def _a1_insert() -> TextClause:
    """表 A.1's 25 rows for one engagement as one SQL text, the titles in it as literals:
    one statement, its text the same every time (compiled once), one parameter. `WITH
    … INSERT … SELECT` reads the same on PostgreSQL and SQLite."""

    def literal(value: str) -> str:
        # Quotes doubled as SQL wants them; a colon escaped so it is not a bind name.
        return "'" + value.replace("'", "''").replace(":", "\\:") + "'"

    rows = ",\n".join(f"({', '.join(map(literal, item))})" for item in checklist_a1_v1.ITEMS)
    return text(
        f"WITH a1 (code, section, title_zh, title_en) AS (VALUES\n{rows})\n"
        "INSERT INTO checklist_entry (engagement_id, code, section, title_zh, title_en, status)\n"
        f"SELECT :engagement_id, code, section, title_zh, title_en, "
        f"{literal(ChecklistStatus.PENDING)} FROM a1"
    ).bindparams(bindparam("engagement_id", type_=Uuid))


# The two INSERTs of a new engagement, on the driver (`kit.prepared`): the engagement's
# row names every column the ORM wrote, defaulted ones included (`add_engagement`).
_INSERT_ENGAGEMENT = prepared.Prepared(insert(typing.cast(Table, Engagement.__table__)))
_A1_INSERT = prepared.Prepared(_a1_insert())


async def add_engagement(session: AsyncSession, row: dict[str, Any]) -> None:
    """A new engagement's row and its 表 A.1, every document pending (`ChecklistEntry`
    rows), not through the unit of work: its flush (state bookkeeping, the insert
    compiled from the instance's attributes) cost about 0.7 ms of createEngagement, and
    nothing reads the rows back in the transaction that writes them. `row` names the
    columns the ORM wrote (JSON None as JSON null); the others are NULL, as the ORM left
    them. 表 A.1 is one cached statement: the 25 rows as parameters of an executemany
    still cost their binding and 25 rows through the driver."""
    await prepared.execute(
        session,
        (_INSERT_ENGAGEMENT, row),
        (_A1_INSERT, {"engagement_id": row["id"]}),
    )


def written_engagement(row: dict[str, Any]) -> NewEngagement:
    """The engagement `add_engagement` wrote, read by attribute (its event, its reply)."""
    return NewEngagement(**row)


async def checklist_entry(
    session: AsyncSession, engagement_id: UUID, code: str
) -> ChecklistEntry | None:
    return await session.get(ChecklistEntry, (engagement_id, code))


async def latest_plan(session: AsyncSession, engagement_id: UUID) -> PlanVersion | None:
    return await session.scalar(
        select(PlanVersion)
        .where(PlanVersion.engagement_id == engagement_id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )


async def service_record(session: AsyncSession, record_id: UUID) -> ServiceRecord | None:
    return await session.get(ServiceRecord, record_id)


async def latest_report(
    session: AsyncSession, engagement_id: UUID, report_no: int
) -> StageReport | None:
    """The newest version of one stage report."""
    return await session.scalar(
        select(StageReport)
        .where(StageReport.engagement_id == engagement_id, StageReport.report_no == report_no)
        .order_by(StageReport.version.desc())
        .limit(1)
    )


async def last_report_no(session: AsyncSession, engagement_id: UUID) -> int:
    last = await session.scalar(
        select(func.max(StageReport.report_no)).where(StageReport.engagement_id == engagement_id)
    )
    return int(last or 0)


async def rectification(session: AsyncSession, rectification_id: UUID) -> Rectification | None:
    return await session.get(Rectification, rectification_id)


async def recurrence(session: AsyncSession, rows: Sequence[Any]) -> dict[UUID, int]:
    """For each rectification, how often its unit had the same problem in the 12 months
    up to the day it was raised (itself included): one grouped query for all of them,
    counted per (unit, problem, day), then summed over each row's window here."""
    if not rows:
        return {}
    pairs = list({(r.unit_id, r.problem_key) for r in rows})
    earliest = min(r.raised_on for r in rows) - RECURRENCE_WINDOW
    latest = max(r.raised_on for r in rows)
    per_day = await session.execute(
        select(
            Rectification.unit_id, Rectification.problem_key, Rectification.raised_on, func.count()
        )
        .where(
            tuple_(Rectification.unit_id, Rectification.problem_key).in_(pairs),
            Rectification.raised_on > earliest,
            Rectification.raised_on <= latest,
        )
        .group_by(Rectification.unit_id, Rectification.problem_key, Rectification.raised_on)
    )
    days: defaultdict[tuple[UUID, str], list[tuple[date, int]]] = defaultdict(list)
    for unit_id, problem_key, raised_on, n in per_day:
        days[(unit_id, problem_key)].append((raised_on, n))
    return {
        r.id: sum(
            n
            for on, n in days[(r.unit_id, r.problem_key)]
            if r.raised_on - RECURRENCE_WINDOW < on <= r.raised_on
        )
        for r in rows
    }


async def revisions_by_engagement(
    session: AsyncSession, ids: Sequence[UUID]
) -> defaultdict[UUID, list[Any]]:
    """The versions of every corrected or voided subject of these engagements, oldest first."""
    grouped: defaultdict[UUID, list[Any]] = defaultdict(list)
    if ids:
        table = Revision.__table__
        rows = await session.execute(
            select(*table.c)
            .where(table.c.engagement_id.in_(ids))
            .order_by(table.c.subject_id, table.c.version)
        )
        for row in rows:
            grouped[row.engagement_id].append(row)
    return grouped


# --- scans of the overdue job ------------------------------------------------------------


async def claim_overdue_items(
    session: AsyncSession, today: date, batch: int
) -> list[tuple[ListItem, UUID]]:
    """Open list items past their time node and not announced yet, with their agency;
    on PostgreSQL the rows are claimed (FOR UPDATE SKIP LOCKED) so replicas share them."""
    query = (
        select(ListItem, Engagement.agency_id)
        .join(Engagement, Engagement.id == ListItem.engagement_id)
        .where(
            ListItem.status == ListItemStatus.OPEN,
            ListItem.due_date < today,
            ListItem.overdue_notified_on.is_(None),
            ListItem.voided_at.is_(None),
            # Suspended, terminated and cancelled engagements are not nagged.
            Engagement.status == EngagementStatus.ACTIVE,
        )
        .order_by(ListItem.due_date)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=ListItem, skip_locked=True)
    return [(item, agency_id) for item, agency_id in await session.execute(query)]


async def claim_overdue_rectifications(
    session: AsyncSession, today: date, batch: int
) -> list[tuple[Rectification, UUID]]:
    """Rectification items past their due date, not closed and not announced yet."""
    query = (
        select(Rectification, Engagement.agency_id)
        .join(Engagement, Engagement.id == Rectification.engagement_id)
        .where(
            Rectification.status != RectificationStatus.CLOSED,
            Rectification.due_date < today,
            Rectification.overdue_notified_on.is_(None),
            Engagement.status == EngagementStatus.ACTIVE,
        )
        .order_by(Rectification.due_date)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Rectification, skip_locked=True)
    return [(row, agency_id) for row, agency_id in await session.execute(query)]


# --- reads of the workflow views --------------------------------------------------------


async def rows_by_engagement(
    session: AsyncSession, model: Any, ids: Sequence[UUID], order: Sequence[Any]
) -> defaultdict[UUID, list[Any]]:
    """Rows of `model` for the engagements, grouped by engagement.

    Plain rows, not ORM objects: these are read-only views, and building an
    identity-mapped instance per row cost most of a 50-engagement dashboard.
    """
    grouped: defaultdict[UUID, list[Any]] = defaultdict(list)
    if ids:
        table = model.__table__
        rows = await session.execute(
            select(*table.c).where(table.c.engagement_id.in_(ids)).order_by(*order)
        )
        for row in rows:
            grouped[row.engagement_id].append(row)
    return grouped


# The dashboard's two statements, built once: a statement built per call had its cache
# key traversed on every execution (`ids` is an expanding parameter, the agency a plain
# one). Another scope than an agency's adds its clause per call.
_IDS = bindparam("ids", type_=Engagement.id.type, expanding=True)
_SETTLED = (
    select(
        ChecklistEntry.engagement_id,
        func.sum(case((ChecklistEntry.status != ChecklistStatus.PENDING, 1), else_=0)).label(
            "settled"
        ),
        func.count().label("documents"),
    )
    .where(ChecklistEntry.engagement_id.in_(_IDS))
    .group_by(ChecklistEntry.engagement_id)
    .subquery()
)
_HEADS = select(
    Engagement.id,
    Engagement.contracted_team_size,
    Engagement.contract_signed_on,
    Engagement.handed_over_on,
    Engagement.deliverables,
).where(Engagement.id.in_(_IDS))
_HEADS_COUNTED = _HEADS.add_columns(
    func.coalesce(_SETTLED.c.settled, 0).label("settled"),
    func.coalesce(_SETTLED.c.documents, 0).label("documents"),
).outerjoin(_SETTLED, _SETTLED.c.engagement_id == Engagement.id)
_OF_AGENCY = Engagement.agency_id == bindparam("agency_id")
_HEADS_OF_AGENCY = {False: _HEADS.where(_OF_AGENCY), True: _HEADS_COUNTED.where(_OF_AGENCY)}
_DONE = (
    select(ServiceRecord.list_item_id, func.count().label("done"))
    .where(
        ServiceRecord.engagement_id.in_(_IDS),
        ServiceRecord.list_item_id.is_not(None),
        ServiceRecord.voided_at.is_(None),
    )
    .group_by(ServiceRecord.list_item_id)
    .subquery()
)
_LIST_ITEMS = typing.cast(Table, ListItem.__table__)
# What a list item's view shows, and what groups it and derives its fields: not the
# whole row, whose other columns' values were converted for nothing.
_LIST_ITEM_COLUMNS = [_LIST_ITEMS.c[n] for n in ListItemView.model_fields if n in _LIST_ITEMS.c]
_LIST_ITEMS_DONE = (
    select(
        *_LIST_ITEM_COLUMNS,
        _LIST_ITEMS.c.engagement_id,
        _LIST_ITEMS.c.voided_at,
        func.coalesce(_DONE.c.done, 0).label("done"),
    )
    .outerjoin(_DONE, _DONE.c.list_item_id == _LIST_ITEMS.c.id)
    .where(_LIST_ITEMS.c.engagement_id.in_(_IDS))
    .order_by(_LIST_ITEMS.c.created_at)
)


async def workflow_heads(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope, *, counts: bool = False
) -> dict[UUID, Any]:
    """Of the engagements among `ids` that `scope` may see, by id, what a workflow view
    shows of the engagement itself (team size, contract and handover dates,
    deliverables), as plain rows: not the ORM engagement, whose every JSON column was
    parsed for each row to read these four. With `counts`, each row also carries its 表
    A.1 documents settled and in all (`settled`, `documents`), joined from one grouped
    subquery in the same statement."""
    if not ids:
        return {}
    params: dict[str, Any] = {"ids": list(ids)}
    if scope.unit_id is None and scope.client_id is None and scope.agency_id is not None:
        # `engagement_scope`'s agency clause, with the agency as a parameter.
        query = _HEADS_OF_AGENCY[counts]
        params["agency_id"] = scope.agency_id
    else:
        query = (_HEADS_COUNTED if counts else _HEADS).where(engagement_scope(scope))
    return {row.id: row for row in await session.execute(query, params)}


async def list_items_done(session: AsyncSession, engagement_ids: Sequence[UUID]) -> list[Row[Any]]:
    """The list items of these engagements in creation order, as plain rows of their
    view's columns with `engagement_id`, `voided_at` and `done`: its recorded activities
    (`done_per_item`), joined from one grouped subquery in the same statement."""
    if not engagement_ids:
        return []
    return list(await session.execute(_LIST_ITEMS_DONE, {"ids": list(engagement_ids)}))


async def done_per_item(session: AsyncSession, engagement_ids: Sequence[UUID]) -> dict[UUID, int]:
    """Recorded activities linked to each list item of these engagements."""
    if not engagement_ids:
        return {}
    rows = await session.execute(
        select(ServiceRecord.list_item_id, func.count())
        .where(
            ServiceRecord.engagement_id.in_(engagement_ids),
            ServiceRecord.list_item_id.is_not(None),
            ServiceRecord.voided_at.is_(None),
        )
        .group_by(ServiceRecord.list_item_id)
    )
    return {item_id: n for item_id, n in rows if item_id is not None}


async def due_items(
    session: AsyncSession, req: DueItemsRequest, today: date
) -> list[tuple[ListItem, Engagement]]:
    """Open or proposed list items with a time node, across the engagements in scope."""
    query = (
        select(ListItem, Engagement)
        .join(Engagement, Engagement.id == ListItem.engagement_id)
        .join(Unit, Unit.id == Engagement.unit_id)
        .where(engagement_scope(req.scope), ListItem.due_date.is_not(None))
        .where(ListItem.status.in_((ListItemStatus.OPEN, ListItemStatus.PROPOSED)))
        .where(ListItem.voided_at.is_(None), Engagement.status == EngagementStatus.ACTIVE)
        .order_by(ListItem.due_date, ListItem.created_at)
        .limit(req.limit)
    )
    if req.overdue_only:
        query = query.where(ListItem.due_date < today, ListItem.status == ListItemStatus.OPEN)
    if req.due_from is not None:
        query = query.where(ListItem.due_date >= req.due_from)
    if req.due_to is not None:
        query = query.where(ListItem.due_date <= req.due_to)
    if req.unit_id is not None:
        query = query.where(Engagement.unit_id == req.unit_id)
    return [(item, engagement) for item, engagement in await session.execute(query)]


async def meetings_of_expert(
    session: AsyncSession, expert_id: str, kinds: Sequence[RecordKind], scope: Scope
) -> list[ServiceRecord]:
    """The records of these kinds that invite `expert_id` (exactly, never a prefix), in
    the engagements the scope covers (the caller's tenant), newest first: one statement,
    a range of the `meeting_expert` key, whatever the number of records."""
    query = (
        select(ServiceRecord)
        .join(MeetingExpert, MeetingExpert.record_id == ServiceRecord.id)
        .join(Engagement, Engagement.id == MeetingExpert.engagement_id)
        .where(MeetingExpert.expert_id == expert_id)
        .where(engagement_scope(scope), ServiceRecord.kind.in_(kinds))
        .where(ServiceRecord.voided_at.is_(None))
        .order_by(ServiceRecord.occurred_on.desc(), ServiceRecord.id.desc())
    )
    return list(await session.scalars(query))
