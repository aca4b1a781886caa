"""Directory rows as the contracts show them; the fields match one to one."""

from __future__ import annotations

from contracts.engagement import rpc_directory as engagement_rpc_directory
from services.engagement.models import Agency, Person, Unit, UnitFile


def unit_view(unit: Unit, file: UnitFile | None = None) -> engagement_rpc_directory.UnitView:
    """The unit as the caller sees it: with `file`, the agency's own file of it (issue
    14: what it typed, its own versions and date), only the key fields from the registry
    (id, USCC and the region the USCC encodes): the same answer as for a unit it entered
    new."""
    if file is None:
        return engagement_rpc_directory.UnitView.from_row(unit)
    return engagement_rpc_directory.UnitView.from_row(
        file, id=unit.id, uscc=unit.uscc, region_code=unit.region_code
    )


def unit_profile(unit: Unit | UnitFile) -> engagement_rpc_directory.UnitProfile:
    """表 A.1 基本信息, as stored on the unit (or on the agency's own file of it)."""
    return engagement_rpc_directory.UnitProfile.from_row(unit)


def agency_profile(agency: Agency) -> engagement_rpc_directory.AgencyProfile:
    return engagement_rpc_directory.AgencyProfile.from_row(agency)


def person_view(person: Person) -> engagement_rpc_directory.PersonView:
    return engagement_rpc_directory.PersonView.from_row(person)
