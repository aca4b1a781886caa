"""Scoping rules every part shares: which units a caller's `Scope` reaches, in SQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from contracts.core import Scope
from services.compliance.models import EngagementCover, EngagementLink, Permit, UnitAgency


def client_engagements(client_id: UUID) -> Select[UUID]:
    """The engagements a client that is not one unit (园区, 集团, 区域) is the 委托方 of."""
    return select(EngagementLink.engagement_id).where(EngagementLink.client_id == client_id)


def client_units(client_id: UUID) -> Select[UUID]:
    """The units its engagements cover."""
    return (
        select(EngagementCover.unit_id)
        .join(EngagementLink, EngagementLink.engagement_id == EngagementCover.engagement_id)
        .where(EngagementLink.client_id == client_id)
    )


def ended_links(agency_id: UUID) -> Select[UUID]:
    """The units the agency served through a link that ended."""
    return select(UnitAgency.unit_id).where(
        UnitAgency.agency_id == agency_id, UnitAgency.active.is_(False)
    )


def others_units(agency_id: UUID) -> Select[UUID]:
    """The units the agency has an active link to whose own obligations come (in part)
    from another agency's permits: the only ones where the agency sees dates it does not
    own. Usually none or few, so the calendar's agency index still serves the rest."""
    foreign = select(Permit.id).where(
        Permit.unit_id == UnitAgency.unit_id, Permit.agency_id != agency_id
    )
    return select(UnitAgency.unit_id).where(
        UnitAgency.agency_id == agency_id,
        UnitAgency.active.is_(True),
        # A provisional link (issue 14) shows the agency only what it registered itself.
        UnitAgency.provisional.is_(False),
        foreign.exists(),
    )


def rows_in_scope(
    scope: Scope,
    *,
    unit_id: InstrumentedAttribute[Any],
    agency_id: InstrumentedAttribute[Any],
    region_code: InstrumentedAttribute[str],
    engagement_id: InstrumentedAttribute[Any] | None = None,
) -> ColumnElement[bool]:
    """A row owned by a unit (and, for agency work, an agency) is visible to that agency,
    that unit, or a regulator whose region prefix its region code starts with; a row of
    an engagement (given `engagement_id`) to the engagement's client that is not one
    unit. An empty scope sees nothing."""
    if scope.agency_id is not None:
        return agency_id == scope.agency_id
    if scope.unit_id is not None:
        return unit_id == scope.unit_id
    if scope.region_prefix is not None:
        return region_code.startswith(scope.region_prefix, autoescape=True)
    if scope.client_id is not None and engagement_id is not None:
        return engagement_id.in_(client_engagements(scope.client_id))
    return false()


def calendar_in_scope(
    scope: Scope,
    *,
    unit_id: InstrumentedAttribute[Any],
    agency_id: InstrumentedAttribute[Any],
    region_code: InstrumentedAttribute[str],
    engagement_id: InstrumentedAttribute[Any],
) -> ColumnElement[bool]:
    """A calendar date (an occurrence) a caller sees. An engagement's dates: its agency,
    its unit, its client, the region. A unit's own obligations (no engagement): the unit,
    the region, every agency with an active link to the unit (whoever registered the
    permit), a client whose engagement covers the unit; and the agency that registered
    them until its link ends (issue 14: visibility follows the relationships)."""
    own_unit = engagement_id.is_(None)
    if scope.agency_id is not None:
        ended = ended_links(scope.agency_id)
        return or_(
            and_(agency_id == scope.agency_id, or_(~own_unit, unit_id.not_in(ended))),
            and_(own_unit, unit_id.in_(others_units(scope.agency_id))),
        )
    if scope.client_id is not None:
        return or_(
            engagement_id.in_(client_engagements(scope.client_id)),
            and_(own_unit, unit_id.in_(client_units(scope.client_id))),
        )
    return rows_in_scope(scope, unit_id=unit_id, agency_id=agency_id, region_code=region_code)


def unit_in_scope(
    scope: Scope, unit_id: UUID, region_code: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """The unit itself is visible: its agency serves it, it is the caller, a client's
    engagement covers it, or it lies in the regulator's region."""
    if scope.agency_id is not None:
        served = select(UnitAgency.unit_id).where(
            UnitAgency.unit_id == unit_id, UnitAgency.agency_id == scope.agency_id
        )
        return served.exists()
    if scope.unit_id is not None:
        return true() if scope.unit_id == unit_id else false()
    if scope.client_id is not None:
        covered = client_units(scope.client_id).where(EngagementCover.unit_id == unit_id)
        return covered.exists()
    if scope.region_prefix is not None:
        return region_code.startswith(scope.region_prefix, autoescape=True)
    return false()
