"""Directory contracts: units (排污单位) with their Appendix A basic information,
agencies (托管服务单位), their people and expert pool.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from contracts.core import Contract, Page, Rpc, Scope
from contracts.engagement.rpc import GetManyRequest
from contracts.engagement.rpc_workflow import RevisionView


class CreateUnitRequest(Contract):
    name: str = Field(min_length=1, max_length=200)
    uscc: str = Field(description="统一社会信用代码, 18 characters, GB 32100 check character.")
    industry_code: str = Field(description="GB/T 4754 industry code, e.g. `C2614`.")
    address: str = Field(min_length=1, max_length=500)
    agency_id: UUID | None = Field(
        default=None, description="Agency entering the unit in its directory, if any."
    )


class UnitView(Contract):
    id: UUID
    name: str
    uscc: str
    industry_code: str
    address: str
    region_code: str
    agency_id: UUID | None
    created_at: datetime
    version: int = Field(default=1, description="Raised by each correction of the unit.")


class UnitsByUsccRequest(Contract):
    """Units by 统一社会信用代码 (a federated platform's join key)."""

    usccs: list[str] = Field(max_length=1000)
    scope: Scope


class UnitsReply(Contract):
    """Units in the order of the requested ids; None where missing or out of scope."""

    items: list[UnitView | None]


class ListUnitsRequest(Contract):
    scope: Scope
    page: Page = Page()
    search: str | None = Field(
        default=None,
        max_length=200,
        description="Part of the name (Chinese or not), or the start of the USCC.",
    )
    industry_code: str | None = Field(
        default=None,
        pattern=r"^[A-T](\d{2,4})?$",
        description="GB/T 4754 code or its prefix: `C` (manufacturing), `C26`, `C2614`.",
    )
    region_code: str | None = Field(
        default=None,
        pattern=r"^\d{2,6}$",
        description="GB/T 2260 region code or its prefix: `32` (a province), `3205`, `320506`.",
    )


class UnitPage(Contract):
    items: list[UnitView]
    has_next: bool
    total: int


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


class CorrectUnitRequest(Contract):
    """The unit's identity fields corrected (更正), with the reason; the previous version
    stays readable (`UNIT_VERSIONS`). The USCC is the unit's key and is not corrected."""

    unit_id: UUID
    scope: Scope
    reason: str = Field(min_length=1, max_length=2000)
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500)
    industry_code: str
    legal_representative: str | None = Field(default=None, max_length=100)


class UnitVersionsRequest(Contract):
    unit_ids: list[UUID] = Field(max_length=500)
    scope: Scope


class UnitVersionsReply(Contract):
    items: list[list[RevisionView]] = Field(
        description="Each unit's versions, oldest first; empty if never corrected or not visible."
    )


GET_UNITS = Rpc("engagement", "unit.get_many", GetManyRequest, UnitsReply)
GET_UNITS_BY_USCC = Rpc("engagement", "unit.get_by_uscc", UnitsByUsccRequest, UnitsReply)
LIST_UNITS = Rpc("engagement", "unit.list", ListUnitsRequest, UnitPage)
UPDATE_UNIT_PROFILE = Rpc("engagement", "unit.profile.update", UpdateUnitProfileRequest, UnitView)
GET_UNIT_PROFILES = Rpc("engagement", "unit.profile.get_many", UnitProfileRequest, UnitProfileReply)
REGISTER_AGENCY = Rpc("engagement", "agency.register", RegisterAgencyRequest, AgencyProfile)
GET_AGENCY = Rpc("engagement", "agency.get", AgencyRequest, AgencyReply)
ADD_PERSON = Rpc("engagement", "person.add", AddPersonRequest, PersonView)
LIST_PEOPLE = Rpc("engagement", "person.list", PeopleRequest, PeopleReply)
CORRECT_UNIT = Rpc("engagement", "unit.correct", CorrectUnitRequest, UnitView)
UNIT_VERSIONS = Rpc("engagement", "unit.versions", UnitVersionsRequest, UnitVersionsReply)

DIRECTORY_RPCS: tuple[Rpc[Any, Any], ...] = (
    GET_UNITS,
    GET_UNITS_BY_USCC,
    LIST_UNITS,
    UPDATE_UNIT_PROFILE,
    GET_UNIT_PROFILES,
    REGISTER_AGENCY,
    GET_AGENCY,
    ADD_PERSON,
    LIST_PEOPLE,
    CORRECT_UNIT,
    UNIT_VERSIONS,
)
