"""Directory contracts: agencies (托管服务单位), their people and expert pool, and the
Appendix A basic information of units (排污单位)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from contracts.base import Contract
from contracts.rpc import Rpc, Scope, UnitView

OUTLET_CODE = r"^D[AW]\d{3}$"


class Outlet(Contract):
    """A discharge outlet coded per HJ 608: DA001… (废气, air), DW001… (废水, water)."""

    code: str = Field(pattern=OUTLET_CODE)
    name: str = Field(min_length=1, max_length=200)


class UnitProfile(Contract):
    """表 A.1 基本信息 of a unit."""

    legal_representative: str | None = Field(default=None, max_length=100)
    latitude: Decimal | None = Field(default=None, ge=-90, le=90, decimal_places=6)
    longitude: Decimal | None = Field(default=None, ge=-180, le=180, decimal_places=6)
    industry_type: str | None = Field(default=None, max_length=100)
    scale: Literal["large", "medium", "small", "micro"] | None = None
    business_term_start: date | None = None
    business_term_end: date | None = Field(default=None, description="None: 长期 (no end).")
    outlets: list[Outlet] = Field(default_factory=list, max_length=500)


class UpdateUnitProfileRequest(Contract):
    unit_id: UUID
    scope: Scope
    profile: UnitProfile


class UnitProfileRequest(Contract):
    unit_ids: list[UUID] = Field(max_length=500)
    scope: Scope


class UnitProfileReply(Contract):
    items: list[UnitProfile | None]


class AgencyProfile(Contract):
    id: UUID
    name: str = Field(min_length=1, max_length=200)
    uscc: str
    qualifications: list[str] = Field(default_factory=list, max_length=100)
    updated_at: datetime | None = None


class RegisterAgencyRequest(Contract):
    name: str = Field(min_length=1, max_length=200)
    uscc: str
    qualifications: list[str] = Field(default_factory=list, max_length=100)
    agency_id: UUID


class AgencyRequest(Contract):
    agency_id: UUID


class AgencyReply(Contract):
    agency: AgencyProfile | None


class PersonView(Contract):
    id: UUID
    agency_id: UUID
    name: str
    title: str
    qualifications: list[str]
    expert: bool
    expertise: list[str]


class AddPersonRequest(Contract):
    agency_id: UUID
    name: str = Field(min_length=1, max_length=100)
    title: str = Field(min_length=1, max_length=100, description="职务/岗位")
    qualifications: list[str] = Field(default_factory=list, max_length=50)
    expert: bool = Field(default=False, description="In the agency's expert pool.")
    expertise: list[str] = Field(default_factory=list, max_length=50)


class PeopleRequest(Contract):
    agency_id: UUID
    experts_only: bool = False


class PeopleReply(Contract):
    items: list[PersonView]


UPDATE_UNIT_PROFILE = Rpc("engagement", "unit.profile.update", UpdateUnitProfileRequest, UnitView)
GET_UNIT_PROFILES = Rpc("engagement", "unit.profile.get_many", UnitProfileRequest, UnitProfileReply)
REGISTER_AGENCY = Rpc("engagement", "agency.register", RegisterAgencyRequest, AgencyProfile)
GET_AGENCY = Rpc("engagement", "agency.get", AgencyRequest, AgencyReply)
ADD_PERSON = Rpc("engagement", "person.add", AddPersonRequest, PersonView)
LIST_PEOPLE = Rpc("engagement", "person.list", PeopleRequest, PeopleReply)

DIRECTORY_RPCS: tuple[Rpc[Any, Any], ...] = (
    UPDATE_UNIT_PROFILE,
    GET_UNIT_PROFILES,
    REGISTER_AGENCY,
    GET_AGENCY,
    ADD_PERSON,
    LIST_PEOPLE,
)
