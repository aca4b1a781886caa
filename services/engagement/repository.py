"""SQL both subdomains share: which units and engagements a caller may see. Scoping is
applied here, so rows outside the caller's scope never leave the database."""

from __future__ import annotations

import functools
from typing import Literal
from uuid import UUID

from sqlalchemy import ColumnElement, bindparam, false, func, literal, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from contracts.core import Scope
from kit import prepared
from kit.prepared import Prepared
from services.engagement.models import Engagement, EngagementUnit, Revision, Unit, UnitLink

# Links an agency works on a unit through: active, or provisional (on its own file of
# the unit until the unit consents; issue 14).
WORKING = ("active", "provisional")


def unit_scope(scope: Scope) -> ColumnElement[bool]:
    """Units a caller may see: its own unit, its agency's linked and served units (past
    engagements included), a client's covered units, or its region's. Never who typed
    the unit in first (issue 14)."""
    if scope.unit_id is not None:
        return Unit.id == scope.unit_id
    if scope.agency_id is not None:
        # One IN over a UNION of index lookups, not `… OR EXISTS(…)`: PostgreSQL cannot
        # use an index for that OR and scanned every unit (a search among an agency's
        # 300 units of 100k took 380 ms; docs/BENCHMARKS.md, search).
        linked = select(UnitLink.unit_id).where(
            UnitLink.agency_id == scope.agency_id, UnitLink.status.in_(WORKING)
        )
        served = select(Engagement.unit_id).where(Engagement.agency_id == scope.agency_id)
        covered = (
            select(EngagementUnit.unit_id)
            .join(Engagement, Engagement.id == EngagementUnit.engagement_id)
            .where(Engagement.agency_id == scope.agency_id)
        )
        return Unit.id.in_(union(linked, served, covered))
    if scope.client_id is not None:
        return Unit.id.in_(
            select(EngagementUnit.unit_id)
            .join(Engagement, Engagement.id == EngagementUnit.engagement_id)
            .where(Engagement.client_id == scope.client_id)
        )
    if scope.region_prefix:
        return Unit.region_code.startswith(scope.region_prefix, autoescape=True)
    return false()


# Who may write units, the one rule of `unit_write_scope` and `writable_region`: a
# unit's own scope writes that unit; an agency's, the units of its working links.
Writer = Literal["unit", "agency"]
_UNIT, _LINK = Unit.__table__.c, UnitLink.__table__.c
# Two plain bound values, not `in_(WORKING)`: that is an expanding IN, rendered again
# at every execution of an otherwise cached statement.
_WORKING = [literal(status) for status in WORKING]


def writer(scope: Scope) -> tuple[Writer, UUID] | None:
    """As whom a caller writes units: its own unit, else its agency; a client, a
    regulator or nobody writes none (None)."""
    if scope.unit_id is not None:
        return "unit", scope.unit_id
    if scope.agency_id is not None:
        return "agency", scope.agency_id
    return None


def _write_rule(
    kind: Writer, who: UUID | BindParameter[UUID], one: BindParameter[UUID] | None = None
) -> ColumnElement[bool]:
    """The units `who` (an id, or a bound parameter for one) may write as `kind`; with
    `one`, asked of that unit only, so an agency's link to it is found by its key
    (SQLite otherwise lists every working link of the agency for the IN). On the
    table's columns, not the ORM's: a statement of them alone skips the ORM's result
    handling, and it is the same SQL in an ORM query."""
    if kind == "unit":
        return _UNIT.id == who
    links = select(_LINK.unit_id).where(_LINK.agency_id == who, _LINK.status.in_(_WORKING))
    return _UNIT.id.in_(links if one is None else links.where(_LINK.unit_id == one))


def unit_write_scope(scope: Scope) -> ColumnElement[bool]:
    """Units whose file a caller may change or open engagements for: its own unit, or,
    for an agency, the units it has an active or provisional link to (provisional: the
    changes go to its own file of the unit). A past link reads its engagements
    only; a regulator or a client changes no unit's file."""
    found = writer(scope)
    return false() if found is None else _write_rule(*found)


@functools.cache
def _writable_region(kind: Writer) -> Prepared:
    # Built once per kind of writer and run on the driver (`kit.prepared`): the region
    # code is a plain string, which the driver gives as SQLAlchemy would.
    unit: BindParameter[UUID] = bindparam("unit")
    rule = _write_rule(kind, bindparam("writer"), one=unit)
    return Prepared(select(_UNIT.region_code).where(_UNIT.id == unit, rule))


async def writable_region(session: AsyncSession, unit_id: UUID, scope: Scope) -> str | None:
    """`unit_write_scope` for one unit: its region code if the caller may write it, else
    None (what opening an engagement needs of its unit), by one prebuilt statement."""
    found = writer(scope)
    if found is None:
        return None
    kind, who = found
    region: str | None = await prepared.scalar(
        session, _writable_region(kind), {"unit": unit_id, "writer": who}
    )
    return region


def unit_file_scope(scope: Scope) -> ColumnElement[bool]:
    """Units whose file as it is today (表 A.1, its versions) a caller may read: as
    `unit_scope`, but an agency only through an active link; a past agency keeps its
    engagements, not what the unit recorded since."""
    if scope.agency_id is not None:
        return unit_write_scope(scope)
    return unit_scope(scope)


def engagement_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.unit_id is not None:
        # Its own engagements, and a park's, group's or region's that cover it.
        covering = select(EngagementUnit.engagement_id).where(
            EngagementUnit.unit_id == scope.unit_id
        )
        own = select(Engagement.id).where(Engagement.unit_id == scope.unit_id)
        return Engagement.id.in_(union(own, covering))  # a UNION, not an OR: see unit_scope
    if scope.client_id is not None:
        return Engagement.client_id == scope.client_id
    if scope.agency_id is not None:
        return Engagement.agency_id == scope.agency_id
    if scope.region_prefix:
        in_region = select(Unit.id).where(
            Unit.region_code.startswith(scope.region_prefix, autoescape=True)
        )
        return Engagement.unit_id.in_(in_region)
    return false()


async def last_version(session: AsyncSession, subject: str, subject_id: UUID) -> int:
    """The newest kept version of a subject; 0 when it has never been corrected."""
    found = await session.scalar(
        select(func.max(Revision.version)).where(
            Revision.subject == subject, Revision.subject_id == subject_id
        )
    )
    return int(found or 0)


async def revisions_of(session: AsyncSession, subject: str, subject_id: UUID) -> list[Revision]:
    query = select(Revision).where(Revision.subject == subject, Revision.subject_id == subject_id)
    return list(await session.scalars(query.order_by(Revision.version)))
