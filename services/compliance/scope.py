"""Scoping rules every part shares: which units a caller's `Scope` reaches, in SQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import InstrumentedAttribute

from contracts.core import Scope
from services.compliance.models import UnitAgency


def rows_in_scope(
    scope: Scope,
    *,
    unit_id: InstrumentedAttribute[Any],
    agency_id: InstrumentedAttribute[Any],
    region_code: InstrumentedAttribute[str],
) -> ColumnElement[bool]:
    """A row owned by a unit (and, for agency work, an agency) is visible to that agency,
    that unit, or a regulator whose region prefix its region code starts with. An empty
    scope sees nothing."""
    if scope.agency_id is not None:
        return agency_id == scope.agency_id
    if scope.unit_id is not None:
        return unit_id == scope.unit_id
    if scope.region_prefix is not None:
        return region_code.startswith(scope.region_prefix, autoescape=True)
    return false()


def unit_in_scope(
    scope: Scope, unit_id: UUID, region_code: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """The unit itself is visible: its agency serves it, it is the caller, or it lies in
    the regulator's region."""
    if scope.agency_id is not None:
        served = select(UnitAgency.unit_id).where(
            UnitAgency.unit_id == unit_id, UnitAgency.agency_id == scope.agency_id
        )
        return served.exists()
    if scope.unit_id is not None:
        return true() if scope.unit_id == unit_id else false()
    if scope.region_prefix is not None:
        return region_code.startswith(scope.region_prefix, autoescape=True)
    return false()
