"""Directory use cases that change state. Each runs inside the caller's transaction:
flush, never commit; events go to the outbox in that same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import ValidationFailed
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement.enums import RevisionChange, RevisionSubject
from contracts.engagement.errors import UnitNotFound
from contracts.engagement.event_data import RevisionData, UnitRegisteredData
from contracts.engagement.events import RecordCorrectedV1, UnitRegisteredV1
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.engagement.directory import domain, repository
from services.engagement.directory.search import index_file, index_unit
from services.engagement.directory.views import agency_profile, person_view, unit_view
from services.engagement.models import Agency, Person, Unit, UnitFile, messaging
from services.engagement.revisions import Original, keep_version, reason_given


async def add_unit(
    session: AsyncSession,
    req: engagement_rpc_directory.CreateUnitRequest,
    ctx: CallContext,
    *,
    unit_id: UUID | None = None,
) -> Unit:
    """A unit new to the registry (its USCC checked free by the caller), findable and
    announced. `agency_id` records who entered it; it grants nothing (links do)."""
    code = domain.valid_uscc(req.uscc)
    unit = Unit(
        id=unit_id or new_id(),
        name=req.name,
        uscc=code,
        industry_code=domain.valid_industry_code(req.industry_code),
        address=req.address,
        region_code=code[2:8],
        agency_id=req.agency_id,
        created_at=datetime.now(UTC),
        created_by=ctx.actor,
    )
    session.add(unit)
    await session.flush()
    await index_unit(session, unit)
    data = UnitRegisteredData.from_row(
        unit, unit_id=unit.id, registered_by_agency_id=unit.agency_id, agency_file_name=None
    )
    await record_event(session, messaging, make_event(UnitRegisteredV1, ctx, data))
    return unit


async def update_unit_profile(
    session: AsyncSession, req: engagement_rpc_directory.UpdateUnitProfileRequest, ctx: CallContext
) -> engagement_rpc_directory.UnitView:
    unit = (await repository.writable_units(session, [req.unit_id], req.scope)).get(req.unit_id)
    if unit is None:
        raise UnitNotFound("no such unit", field="unitId")
    p = req.profile
    domain.check_profile(p)
    # An agency on a provisional link edits its own file of the unit (issue 14).
    file = (await repository.own_files(session, [unit.id], req.scope)).get(unit.id)
    target: Unit | UnitFile = file or unit
    target.legal_representative = p.legal_representative
    target.latitude, target.longitude = p.latitude, p.longitude
    target.industry_type, target.scale = p.industry_type, p.scale
    target.business_term_start = p.business_term_start
    target.business_term_end = p.business_term_end
    target.outlets = [o.model_dump() for o in p.outlets]
    await session.flush()
    return unit_view(unit, file)


def unit_content(unit: Unit | UnitFile) -> dict[str, str | None]:
    return {
        "name": unit.name,
        "address": unit.address,
        "industry_code": unit.industry_code,
        "legal_representative": unit.legal_representative,
    }


async def correct_unit(
    session: AsyncSession, req: engagement_rpc_directory.CorrectUnitRequest, ctx: CallContext
) -> engagement_rpc_directory.UnitView:
    """The unit's name, address, industry code or legal representative corrected (更正):
    a new version with the reason, the old one kept; each of its engagements' traces
    records the correction (a unit without engagements: the ledger's own entry)."""
    unit = (await repository.writable_units(session, [req.unit_id], req.scope)).get(req.unit_id)
    if unit is None:
        raise UnitNotFound("no such unit", field="unitId")
    reason = reason_given(req.reason)
    industry = domain.valid_industry_code(req.industry_code)
    # An agency on a provisional link corrects its own file of the unit (issue 14): its
    # own versions, traced on its own engagements only; the registry's file is untouched.
    file = (await repository.own_files(session, [unit.id], req.scope)).get(unit.id)
    target: Unit | UnitFile = file or unit
    subject = RevisionSubject.UNIT if file is None else RevisionSubject.UNIT_FILE
    before = unit_content(target)
    renamed = target.name != req.name
    target.name, target.address, target.industry_code = req.name, req.address, industry
    target.legal_representative = req.legal_representative
    after = unit_content(target)
    original = Original(before, target.created_by, target.created_at)
    target.version = await keep_version(
        session, ctx, subject, target.id, None, original,
        RevisionChange.CORRECTED, after, reason,
    )  # fmt: skip
    if renamed and file is not None:
        index_file(file)
    elif renamed:
        await index_unit(session, unit)  # found by its new name, no longer by the old
    data = RevisionData(
        subject=subject, subject_id=target.id, version=target.version,
        change=RevisionChange.CORRECTED, reason=reason, before=before, after=after,
    )  # fmt: skip
    whose = file.agency_id if file is not None else None
    engagements: list[UUID | None] = [
        *await repository.engagements_of_unit(session, unit.id, agency_id=whose)
    ]
    for engagement_id in engagements or [None]:
        event = make_event(RecordCorrectedV1, ctx, data, engagement_id=engagement_id)
        await record_event(session, messaging, event)
    await session.flush()
    return unit_view(unit, file)


async def register_agency(
    session: AsyncSession, req: engagement_rpc_directory.RegisterAgencyRequest, ctx: CallContext
) -> engagement_rpc_directory.AgencyProfile:
    """Create or update the calling agency's own profile."""
    code = domain.valid_uscc(req.uscc)
    taken = await repository.agency_by_uscc(session, code)
    if taken is not None and taken.id != req.agency_id:
        raise ValidationFailed("another agency has this 统一社会信用代码", field="uscc")
    agency = await repository.agency(session, req.agency_id)
    if agency is None:
        agency = Agency(id=req.agency_id)
        session.add(agency)
    agency.name, agency.uscc = req.name, code
    agency.qualifications = list(req.qualifications)
    agency.updated_at = datetime.now(UTC)
    await session.flush()
    return agency_profile(agency)


async def add_person(
    session: AsyncSession, req: engagement_rpc_directory.AddPersonRequest, ctx: CallContext
) -> engagement_rpc_directory.PersonView:
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
    return person_view(person)
