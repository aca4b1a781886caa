"""The directory: units' Appendix A basic information, agencies, their people and
expert pool."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import ValidationFailed
from contracts.engagement import rpc_directory as d
from contracts.engagement.errors import UnitNotFound
from contracts.engagement.rpc_directory import UnitView
from kit.ids import new_id
from kit.rpc import CallContext
from services.engagement import domain, repository
from services.engagement.models import Agency, Person, Unit
from services.engagement.service import unit_view


async def update_unit_profile(
    session: AsyncSession, req: d.UpdateUnitProfileRequest, ctx: CallContext
) -> UnitView:
    unit = (await repository.units_by_ids(session, [req.unit_id], req.scope)).get(req.unit_id)
    if unit is None:
        raise UnitNotFound("no such unit", field="unitId")
    p = req.profile
    if (
        p.business_term_start
        and p.business_term_end
        and p.business_term_end < p.business_term_start
    ):
        raise ValidationFailed("the business term ends before it starts", field="businessTermEnd")
    codes = [o.code for o in p.outlets]
    if len(codes) != len(set(codes)):
        raise ValidationFailed("outlet codes must be unique within a unit", field="outlets")
    unit.legal_representative = p.legal_representative
    unit.latitude, unit.longitude = p.latitude, p.longitude
    unit.industry_type, unit.scale = p.industry_type, p.scale
    unit.business_term_start, unit.business_term_end = p.business_term_start, p.business_term_end
    unit.outlets = [o.model_dump() for o in p.outlets]
    await session.flush()
    return unit_view(unit)


def profile_of(unit: Unit) -> d.UnitProfile:
    return d.UnitProfile(
        legal_representative=unit.legal_representative,
        latitude=unit.latitude,
        longitude=unit.longitude,
        industry_type=unit.industry_type,
        scale=unit.scale,  # validated on the way in
        business_term_start=unit.business_term_start,
        business_term_end=unit.business_term_end,
        outlets=[d.Outlet(**o) for o in unit.outlets or []],
    )


async def unit_profiles(session: AsyncSession, req: d.UnitProfileRequest) -> d.UnitProfileReply:
    found = await repository.units_by_ids(session, req.unit_ids, req.scope)
    return d.UnitProfileReply(
        items=[profile_of(found[i]) if i in found else None for i in req.unit_ids]
    )


async def register_agency(
    session: AsyncSession, req: d.RegisterAgencyRequest, ctx: CallContext
) -> d.AgencyProfile:
    """Create or update the calling agency's own profile."""
    code = domain.valid_uscc(req.uscc)
    taken = await session.scalar(select(Agency).where(Agency.uscc == code))
    if taken is not None and taken.id != req.agency_id:
        raise ValidationFailed("another agency has this 统一社会信用代码", field="uscc")
    agency = await session.get(Agency, req.agency_id)
    if agency is None:
        agency = Agency(id=req.agency_id)
        session.add(agency)
    agency.name, agency.uscc = req.name, code
    agency.qualifications = list(req.qualifications)
    agency.updated_at = datetime.now(UTC)
    await session.flush()
    return _agency(agency)


async def get_agency(session: AsyncSession, req: d.AgencyRequest) -> d.AgencyReply:
    agency = await session.get(Agency, req.agency_id)
    return d.AgencyReply(agency=_agency(agency) if agency else None)


def _agency(a: Agency) -> d.AgencyProfile:
    return d.AgencyProfile(
        id=a.id,
        name=a.name,
        uscc=a.uscc,
        qualifications=list(a.qualifications or []),
        updated_at=a.updated_at,
    )


async def add_person(
    session: AsyncSession, req: d.AddPersonRequest, ctx: CallContext
) -> d.PersonView:
    person = Person(
        id=new_id(),
        agency_id=req.agency_id,
        name=req.name,
        title=req.title,
        qualifications=list(req.qualifications),
        expert=req.expert,
        expertise=list(req.expertise),
    )
    session.add(person)
    await session.flush()
    return _person(person)


async def list_people(session: AsyncSession, req: d.PeopleRequest) -> d.PeopleReply:
    query = select(Person).where(Person.agency_id == req.agency_id).order_by(Person.name)
    if req.experts_only:
        query = query.where(Person.expert.is_(True))
    return d.PeopleReply(items=[_person(p) for p in await session.scalars(query)])


def _person(p: Person) -> d.PersonView:
    return d.PersonView(
        id=p.id,
        agency_id=p.agency_id,
        name=p.name,
        title=p.title,
        qualifications=list(p.qualifications or []),
        expert=p.expert,
        expertise=list(p.expertise or []),
    )
