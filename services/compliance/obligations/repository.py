"""All SQL of permits, monitoring plans, stoppages and agency rules."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from services.compliance.models import (
    AgencyRule,
    MonitoringPlan,
    Permit,
    Stoppage,
    UnitAgency,
    UnitEntry,
)
from services.compliance.scope import rows_in_scope, unit_in_scope


async def visible_unit(session: AsyncSession, unit_id: UUID, scope: Scope) -> UnitEntry | None:
    query = select(UnitEntry).where(
        UnitEntry.unit_id == unit_id, unit_in_scope(scope, unit_id, UnitEntry.region_code)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def unit(session: AsyncSession, unit_id: UUID) -> UnitEntry | None:
    return await session.get(UnitEntry, unit_id)


async def serves(session: AsyncSession, agency_id: UUID, unit_id: UUID) -> bool:
    """The agency works on the unit now: a link that ended registers nothing new."""
    query = select(UnitAgency.unit_id).where(
        UnitAgency.unit_id == unit_id,
        UnitAgency.agency_id == agency_id,
        UnitAgency.active.is_(True),
    )
    return (await session.execute(query)).first() is not None


async def permit(session: AsyncSession, permit_id: UUID, scope: Scope) -> Permit | None:
    query = select(Permit).where(
        Permit.id == permit_id,
        rows_in_scope(
            scope,
            unit_id=Permit.unit_id,
            agency_id=Permit.agency_id,
            region_code=Permit.region_code,
        ),
    )
    return (await session.execute(query)).scalar_one_or_none()


async def permit_by_number(session: AsyncSession, number: str) -> Permit | None:
    return (
        await session.execute(select(Permit).where(Permit.number == number))
    ).scalar_one_or_none()


async def permits_of_unit(session: AsyncSession, unit_id: UUID) -> list[Permit]:
    query = select(Permit).where(Permit.unit_id == unit_id).order_by(Permit.id)
    return list((await session.execute(query)).scalars())


async def permits_in_scope(session: AsyncSession, unit_id: UUID, scope: Scope) -> list[Permit]:
    query = (
        select(Permit)
        .where(
            Permit.unit_id == unit_id,
            rows_in_scope(
                scope,
                unit_id=Permit.unit_id,
                agency_id=Permit.agency_id,
                region_code=Permit.region_code,
            ),
        )
        .order_by(Permit.id)
    )
    return list((await session.execute(query)).scalars())


async def plans_of_unit(session: AsyncSession, unit_id: UUID) -> list[MonitoringPlan]:
    query = select(MonitoringPlan).where(MonitoringPlan.unit_id == unit_id)
    return list((await session.execute(query.order_by(MonitoringPlan.id))).scalars())


async def plan(session: AsyncSession, plan_id: UUID) -> MonitoringPlan | None:
    return await session.get(MonitoringPlan, plan_id)


async def stoppages_of_unit(session: AsyncSession, unit_id: UUID) -> list[Stoppage]:
    query = select(Stoppage).where(Stoppage.unit_id == unit_id).order_by(Stoppage.starts_on)
    return list((await session.execute(query)).scalars())


async def latest_agency_rules(session: AsyncSession, agency_id: UUID) -> list[AgencyRule]:
    """The newest version of each of the agency's rules."""
    newest = (
        select(AgencyRule.code, func.max(AgencyRule.version).label("version"))
        .where(AgencyRule.agency_id == agency_id)
        .group_by(AgencyRule.code)
        .subquery()
    )
    query = select(AgencyRule).join(
        newest,
        (AgencyRule.code == newest.c.code) & (AgencyRule.version == newest.c.version),
    )
    return list((await session.execute(query.where(AgencyRule.agency_id == agency_id))).scalars())


async def agency_rule_version(session: AsyncSession, agency_id: UUID, code: str) -> int:
    query = select(func.max(AgencyRule.version)).where(
        AgencyRule.agency_id == agency_id, AgencyRule.code == code
    )
    return int((await session.execute(query)).scalar_one() or 0)


async def units_with_permits_of_agency(session: AsyncSession, agency_id: UUID) -> list[UUID]:
    query = select(Permit.unit_id).where(Permit.agency_id == agency_id).distinct()
    return list((await session.execute(query)).scalars())


async def units_with_permits(session: AsyncSession) -> list[UUID]:
    query = select(Permit.unit_id).distinct().order_by(Permit.unit_id)
    return list((await session.execute(query)).scalars())
