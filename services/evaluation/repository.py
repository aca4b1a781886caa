"""All SQL of the evaluation service. Scoping is applied here, so scorecards outside
the caller's scope never leave the database."""

from __future__ import annotations

import functools
import typing
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from contracts.core import Page, Scope
from contracts.evaluation.enums import Grade, ScorecardKind, ScorecardStatus
from contracts.evaluation.rpc import ScorecardFilter
from kit.db import insert_of
from kit.keyset import AnySelect, capped_total
from services.evaluation.models import (
    Appeal,
    Deduction,
    EngagementRegistration,
    EvaluationTemplate,
    EvaluatorAppointment,
    Evidence,
    Falsification,
    ItemScore,
    Scorecard,
    UnitDirectoryEntry,
    UnitFileName,
)


def _owned(
    scope: Scope, unit: Any, agency: Any, region: Any, engagement: Any = None
) -> ColumnElement[bool]:
    """Rows a caller may see: its unit's, its agency's, its region's (by prefix), an
    appointed evaluator's: those of the engagements it is appointed to, or a client's
    (园区, 集团, 区域): those of the engagements it is the 委托方 of."""
    if scope.client_id is not None:
        if engagement is None:
            return false()
        its_own = select(EngagementRegistration.engagement_id).where(
            EngagementRegistration.client_id == scope.client_id
        )
        return engagement.in_(its_own)  # type: ignore[no-any-return]
    if scope.evaluator_id is not None:
        if engagement is None:
            return false()
        appointed = select(EvaluatorAppointment.engagement_id).where(
            EvaluatorAppointment.evaluator_id == scope.evaluator_id
        )
        return engagement.in_(appointed)  # type: ignore[no-any-return]
    if scope.unit_id is not None:
        return unit == scope.unit_id  # type: ignore[no-any-return]
    if scope.agency_id is not None:
        return agency == scope.agency_id  # type: ignore[no-any-return]
    if scope.region_prefix:
        return region.startswith(scope.region_prefix, autoescape=True)  # type: ignore[no-any-return]
    return false()


def scorecard_scope(scope: Scope) -> ColumnElement[bool]:
    return _owned(
        scope,
        Scorecard.unit_id,
        Scorecard.agency_id,
        Scorecard.region_code,
        Scorecard.engagement_id,
    )


# The two conditions on a card's later versions are built once (`functools.cache`; a
# clause has no state, and these no parameter): making the alias and adapting its
# columns cost a fifth of the evaluation service's CPU per dashboard
# (`latest_scorecards`), more than running the statement.
@functools.cache
def is_current() -> ColumnElement[bool]:
    """Not replaced by an amendment: no later version in the series."""
    later = aliased(Scorecard)
    return ~exists().where(
        later.series_id == Scorecard.series_id, later.version > Scorecard.version
    )


@functools.cache
def is_latest_decided() -> ColumnElement[bool]:
    """Decided (finalised or falsified) with no later decided version: while an
    amendment is open, the last decided version is still the valid result."""
    later = aliased(Scorecard)
    later_decided = or_(
        later.status == ScorecardStatus.FINALIZED,
        exists().where(Falsification.scorecard_id == later.id),
    )
    newer = exists().where(
        later.series_id == Scorecard.series_id, later.version > Scorecard.version, later_decided
    )
    return and_(decided(), ~newer)


def binding() -> ColumnElement[bool]:
    """The card the contract's parties score, not the agency's self-assessment."""
    return Scorecard.kind == ScorecardKind.BINDING


def is_falsified() -> ColumnElement[bool]:
    return exists().where(Falsification.scorecard_id == Scorecard.id)


def decided() -> ColumnElement[bool]:
    return or_(Scorecard.status == ScorecardStatus.FINALIZED, is_falsified())


async def undecided_binding_cards(
    session: AsyncSession, engagement_id: UUID, excluding: UUID
) -> int:
    """The engagement's other binding cards (one per evaluation period) still to decide.
    Locks the engagement's registration first, so two cards finalised at once cannot
    each see the other as undecided (and the engagement never close)."""
    await session.execute(
        select(EngagementRegistration.engagement_id)
        .where(EngagementRegistration.engagement_id == engagement_id)
        .with_for_update()
    )
    query = (
        select(func.count())
        .select_from(Scorecard)
        .where(
            Scorecard.engagement_id == engagement_id,
            Scorecard.id != excluding,
            binding(),
            is_current(),
            ~decided(),
        )
    )
    return int((await session.execute(query)).scalar_one())


def effective_grade() -> ColumnElement[Any]:
    """The grade that counts: 不合格 when falsified (R7.2), else the finalised grade."""
    return case((is_falsified(), Grade.UNQUALIFIED), else_=Scorecard.grade)


# --- registrations and the unit directory ------------------------------------------------


async def registration(
    session: AsyncSession, engagement_id: UUID, scope: Scope | None = None
) -> EngagementRegistration | None:
    """The engagement as registered; with a scope, only if the caller may see it."""
    query = select(EngagementRegistration).where(
        EngagementRegistration.engagement_id == engagement_id
    )
    if scope is not None:
        r = EngagementRegistration
        query = query.where(_owned(scope, r.unit_id, r.agency_id, r.region_code, r.engagement_id))
    return (await session.execute(query)).scalar_one_or_none()


async def registrations(
    session: AsyncSession, engagement_ids: Sequence[UUID]
) -> dict[UUID, EngagementRegistration]:
    if not engagement_ids:
        return {}
    rows = await session.execute(
        select(EngagementRegistration).where(
            EngagementRegistration.engagement_id.in_(engagement_ids)
        )
    )
    return {r.engagement_id: r for r in rows.scalars()}


async def learn_region(session: AsyncSession, unit_id: UUID, region_code: str) -> None:
    """Registrations and scorecards that arrived before their unit take its region."""
    for table in (EngagementRegistration, Scorecard):
        await session.execute(
            update(table)
            .where(table.unit_id == unit_id, table.region_code.is_(None))
            .values(region_code=region_code)
        )


async def register(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[UUID]:
    """Add engagements' registrations (the columns of `EngagementRegistration` but the
    region) unless registered already, each with its unit's region as the directory
    knows it; returns the engagements registered now (not those known already).

    One prebuilt statement for all the rows (one multi-row INSERT … RETURNING), so a
    batch of creations costs one statement and no per-call compilation or cache key."""
    if not rows:
        return set()
    # Directory entries added earlier in the batch must be visible to the subquery: a
    # Core statement does not autoflush the session as an ORM one would.
    await session.flush()
    statement = _register_statement(session.get_bind().dialect.name)
    params = [{**row, _UNIT_OF_REGION: row["unit_id"]} for row in rows]
    return set((await session.execute(statement, params)).scalars())


# The unit whose region a registration takes (a bind name of its own: `unit_id` is the
# inserted column's).
_UNIT_OF_REGION = "unit_of_region"


@functools.cache
def _register_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT (engagement_id) DO NOTHING RETURNING engagement_id, the region
    by subquery, built once per backend and given its rows as parameters."""
    table = typing.cast(Table, EngagementRegistration.__table__)
    directory = typing.cast(Table, UnitDirectoryEntry.__table__)
    region = (
        select(directory.c.region_code)
        .where(directory.c.unit_id == bindparam(_UNIT_OF_REGION))
        .scalar_subquery()
    )
    insert = insert_of(dialect)
    return (
        insert(table)
        .values(region_code=region)
        .on_conflict_do_nothing(index_elements=["engagement_id"])
        .returning(table.c.engagement_id)
    )


async def unit_entry(session: AsyncSession, unit_id: UUID) -> UnitDirectoryEntry | None:
    return await session.get(UnitDirectoryEntry, unit_id)


async def unit_name_for(session: AsyncSession, unit_id: UUID, agency_id: UUID) -> str | None:
    """The unit's name as the agency knows it: its own file's, else the registry's."""
    own = await session.get(UnitFileName, (unit_id, agency_id))
    if own is not None:
        return own.name
    entry = await unit_entry(session, unit_id)
    return entry.name if entry else None


async def keep_file_name(session: AsyncSession, unit_id: UUID, agency_id: UUID, name: str) -> None:
    row = await session.get(UnitFileName, (unit_id, agency_id))
    if row is None:
        session.add(UnitFileName(unit_id=unit_id, agency_id=agency_id, name=name))
    else:
        row.name = name
    await session.flush()


async def drop_file_name(session: AsyncSession, unit_id: UUID, agency_id: UUID) -> None:
    row = await session.get(UnitFileName, (unit_id, agency_id))
    if row is not None:
        await session.delete(row)
        await session.flush()


async def units(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, UnitDirectoryEntry]:
    if not ids:
        return {}
    rows = await session.execute(
        select(UnitDirectoryEntry).where(UnitDirectoryEntry.unit_id.in_(ids))
    )
    return {u.unit_id: u for u in rows.scalars()}


# --- templates ---------------------------------------------------------------------


async def template(session: AsyncSession, template_id: UUID) -> EvaluationTemplate | None:
    return await session.get(EvaluationTemplate, template_id)


async def latest_standard_template(session: AsyncSession, code: str) -> EvaluationTemplate | None:
    """The newest version of a table published with the standard (never a variant:
    one agency's variant must not become another's default)."""
    query = (
        select(EvaluationTemplate)
        .where(EvaluationTemplate.code == code, EvaluationTemplate.agency_id.is_(None))
        .order_by(EvaluationTemplate.version.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def templates(
    session: AsyncSession, code: str | None, scope: Scope
) -> list[EvaluationTemplate]:
    """The standard's tables, the scope's agency's variants, and the variants of the
    scorecards the scope may see (a unit or regulator reads what it was scored by)."""
    used = select(Scorecard.template_id).where(scorecard_scope(scope))
    visible: list[ColumnElement[bool]] = [
        EvaluationTemplate.agency_id.is_(None),
        EvaluationTemplate.id.in_(used),
    ]
    if scope.agency_id is not None:
        visible.append(EvaluationTemplate.agency_id == scope.agency_id)
    query = (
        select(EvaluationTemplate)
        .where(or_(*visible))
        .order_by(EvaluationTemplate.code, EvaluationTemplate.version)
    )
    if code is not None:
        query = query.where(EvaluationTemplate.code == code)
    return list((await session.execute(query)).scalars())


async def codes_in_use(
    session: AsyncSession, code: str, agency_id: UUID
) -> list[EvaluationTemplate]:
    """Templates an agency's new variant of `code` could be confused with: the
    standard's of that code and the agency's own."""
    query = select(EvaluationTemplate).where(
        EvaluationTemplate.code == code,
        or_(EvaluationTemplate.agency_id.is_(None), EvaluationTemplate.agency_id == agency_id),
    )
    return list((await session.execute(query)).scalars())


async def templates_by_ids(
    session: AsyncSession, ids: Sequence[UUID]
) -> dict[UUID, EvaluationTemplate]:
    rows = await session.execute(select(EvaluationTemplate).where(EvaluationTemplate.id.in_(ids)))
    return {t.id: t for t in rows.scalars()}


# --- scorecards --------------------------------------------------------------------


async def scorecard(session: AsyncSession, id_: UUID, scope: Scope) -> Scorecard | None:
    query = select(Scorecard).where(Scorecard.id == id_, scorecard_scope(scope))
    return (await session.execute(query)).scalar_one_or_none()


async def scorecards_by_ids(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Scorecard]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Scorecard).where(Scorecard.id.in_(ids), scorecard_scope(scope))
    )
    return {s.id: s for s in rows.scalars()}


async def current_in_period(
    session: AsyncSession, engagement_id: UUID, period_label: str, kind: str = "binding"
) -> Scorecard | None:
    """The current version of the engagement's scorecard (binding, or the agency's
    self-assessment) for the period, if any."""
    query = select(Scorecard).where(
        Scorecard.engagement_id == engagement_id,
        Scorecard.period_label == period_label,
        Scorecard.kind == kind,
        is_current(),
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def superseded(session: AsyncSession, rows: Sequence[Scorecard]) -> set[UUID]:
    if not rows:
        return set()
    later = aliased(Scorecard)
    query = select(Scorecard.id).where(
        Scorecard.id.in_([r.id for r in rows]),
        exists().where(later.series_id == Scorecard.series_id, later.version > Scorecard.version),
    )
    return set((await session.execute(query)).scalars())


async def scores(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, list[ItemScore]]:
    out: dict[UUID, list[ItemScore]] = defaultdict(list)
    if ids:
        rows = await session.execute(
            select(ItemScore)
            .where(ItemScore.scorecard_id.in_(ids))
            .order_by(ItemScore.item_code, ItemScore.scored_at)
        )
        for s in rows.scalars():
            out[s.scorecard_id].append(s)
    return out


async def score_of(
    session: AsyncSession, scorecard_id: UUID, item_code: str, evaluator: str
) -> ItemScore | None:
    query = select(ItemScore).where(
        ItemScore.scorecard_id == scorecard_id,
        ItemScore.item_code == item_code,
        ItemScore.evaluator == evaluator,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def deductions(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, list[Deduction]]:
    out: dict[UUID, list[Deduction]] = defaultdict(list)
    if ids:
        rows = await session.execute(
            select(Deduction).where(Deduction.scorecard_id.in_(ids)).order_by(Deduction.id)
        )
        for d in rows.scalars():
            out[d.scorecard_id].append(d)
    return out


async def falsifications(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Falsification]:
    if not ids:
        return {}
    rows = await session.execute(select(Falsification).where(Falsification.scorecard_id.in_(ids)))
    return {f.scorecard_id: f for f in rows.scalars()}


def scorecards_query(scope: Scope, f: ScorecardFilter) -> AnySelect:
    query: AnySelect = select(Scorecard).where(scorecard_scope(scope))
    if f.finalized_only:
        # The valid results: with current_only, the last decided version of each series;
        # an agency's self-assessment is no result (R4.2.5).
        query = query.where(is_latest_decided() if f.current_only else decided(), binding())
    elif f.current_only:
        query = query.where(is_current())
    for column, value in (
        (Scorecard.unit_id, f.unit_id),
        (Scorecard.agency_id, f.agency_id),
        (Scorecard.engagement_id, f.engagement_id),
        (Scorecard.period_label, f.period_label),
    ):
        if value is not None:
            query = query.where(column == value)
    if f.grade is not None:
        query = query.where(effective_grade() == f.grade)
    return query


async def current_card_rows(
    session: AsyncSession, engagement_ids: Sequence[UUID], scope: Scope
) -> list[Row[Any]]:
    """The current (not amended) scorecards of these engagements that `scope` may see, as
    plain rows (only read into summaries), each with `falsified`: whether a finding
    stands against it, so that no query of the findings is needed."""
    if not engagement_ids:
        return []
    table = Scorecard.__table__
    query = select(*table.c, is_falsified().label("falsified")).where(
        Scorecard.engagement_id.in_(engagement_ids), scorecard_scope(scope), is_current(), binding()
    )
    return list(await session.execute(query))


async def score_points(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, list[Any]]:
    """The points of these scorecards' scores (item, party, points: what a summary adds
    up), as plain rows by card, in the order `scores` reads them."""
    out: dict[UUID, list[Any]] = defaultdict(list)
    if ids:
        rows = await session.execute(
            select(ItemScore.scorecard_id, ItemScore.item_code, ItemScore.party, ItemScore.points)
            .where(ItemScore.scorecard_id.in_(ids))
            .order_by(ItemScore.item_code, ItemScore.scored_at)
        )
        for row in rows:
            out[row.scorecard_id].append(row)
    return out


async def deducted_points(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, list[Any]]:
    """The points of these scorecards' deductions, as plain rows by card."""
    out: dict[UUID, list[Any]] = defaultdict(list)
    if ids:
        rows = await session.execute(
            select(Deduction.scorecard_id, Deduction.points)
            .where(Deduction.scorecard_id.in_(ids))
            .order_by(Deduction.id)
        )
        for row in rows:
            out[row.scorecard_id].append(row)
    return out


async def grade_counts(
    session: AsyncSession, scope: Scope, period_label: str | None
) -> dict[str, int]:
    """Counts of effective grades of the valid results (the last decided version)."""
    grade = effective_grade().label("g")
    query = (
        select(grade, func.count())
        .where(scorecard_scope(scope), is_latest_decided(), binding())
        .group_by(grade)
    )
    if period_label is not None:
        query = query.where(Scorecard.period_label == period_label)
    return {str(g): int(n) for g, n in (await session.execute(query)).all()}


# --- evidence and disclosures --------------------------------------------------------------


async def evidence(session: AsyncSession, event_id: UUID) -> Evidence | None:
    return await session.get(Evidence, event_id)


async def evidence_of(session: AsyncSession, engagement_id: UUID) -> list[Evidence]:
    rows = await session.execute(
        select(Evidence)
        .where(Evidence.engagement_id == engagement_id, Evidence.retired_by.is_(None))
        .order_by(Evidence.occurred_at, Evidence.event_id)
    )
    return list(rows.scalars())


async def retire_evidence(
    session: AsyncSession, engagement_id: UUID, subject_id: UUID, retired_by: UUID
) -> None:
    """The current evidence of a corrected or voided subject no longer counts."""
    await session.execute(
        update(Evidence)
        .where(
            Evidence.engagement_id == engagement_id,
            Evidence.subject_id == subject_id,
            Evidence.retired_by.is_(None),
        )
        .values(retired_by=retired_by)
    )


async def served_until(session: AsyncSession, engagement_id: UUID, last_day: date) -> None:
    """An engagement terminated early is evaluated for the period it was served."""
    await session.execute(
        update(EngagementRegistration)
        .where(EngagementRegistration.engagement_id == engagement_id)
        .values(period_end=last_day)
    )


async def disclosures(
    session: AsyncSession, page: Page
) -> tuple[list[Row[Falsification, Scorecard]], bool, int]:
    base = select(Falsification, Scorecard).join(
        Scorecard, and_(Scorecard.id == Falsification.scorecard_id)
    )
    total = await capped_total(session, select(Falsification.id))
    if page.after is not None:
        base = base.where(Falsification.id > page.after)
    rows = list(
        (await session.execute(base.order_by(Falsification.id).limit(page.limit + 1))).all()
    )
    return rows[: page.limit], len(rows) > page.limit, total


# --- parties: appointments ----------------------------------------------------


async def appoint(session: AsyncSession, engagement_id: UUID, evaluator_id: UUID) -> None:
    if await session.get(EvaluatorAppointment, (engagement_id, evaluator_id)) is None:
        session.add(EvaluatorAppointment(engagement_id=engagement_id, evaluator_id=evaluator_id))


async def appeals(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, list[Appeal]]:
    """The appeals against each scorecard, oldest first."""
    found: dict[UUID, list[Appeal]] = defaultdict(list)
    if ids:
        rows = await session.scalars(
            select(Appeal).where(Appeal.scorecard_id.in_(ids)).order_by(Appeal.raised_at)
        )
        for row in rows:
            found[row.scorecard_id].append(row)
    return found


async def appeal(session: AsyncSession, appeal_id: UUID) -> Appeal | None:
    return await session.get(Appeal, appeal_id)
