"""Directory rows as the contracts show them; the fields match one to one."""

from __future__ import annotations

from contracts.engagement import rpc_directory as engagement_rpc_directory
from services.engagement.models import Agency, Person, Unit


def unit_view(unit: Unit) -> engagement_rpc_directory.UnitView:
    return engagement_rpc_directory.UnitView.from_row(unit)


def unit_profile(unit: Unit) -> engagement_rpc_directory.UnitProfile:
    """表 A.1 基本信息, as stored on the unit."""
    return engagement_rpc_directory.UnitProfile.from_row(unit)


def agency_profile(agency: Agency) -> engagement_rpc_directory.AgencyProfile:
    return engagement_rpc_directory.AgencyProfile.from_row(agency)


def person_view(person: Person) -> engagement_rpc_directory.PersonView:
    return engagement_rpc_directory.PersonView.from_row(person)
