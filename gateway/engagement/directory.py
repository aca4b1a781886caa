"""GraphQL of the directory: unit basic information (表 A.1), agencies, people, experts."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from contracts.engagement import rpc_directory as engagement_rpc_directory
from gateway.context import Context, scope_of
from gateway.engagement.errors import InvalidUSCC, UnitNotFound
from gateway.engagement.types import Unit
from gateway.errors import NotAuthorized, ServiceUnavailable, ValidationError
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation


@strawberry.type(description="托管服务单位: a hosting-service agency's profile.")
class Agency:
    id: str
    name: str
    uscc: str
    qualifications: list[str]
    updated_at: datetime | None


@strawberry.type(description="A person of an agency; experts form its expert pool.")
class Person:
    id: strawberry.ID
    name: str
    title: str
    qualifications: list[str]
    expert: bool
    expertise: list[str]


@strawberry.input
class OutletInput:
    code: str = strawberry.field(description="HJ 608 code: DA001…, DW001…")
    name: str


@strawberry.input
class UnitProfileInput:
    unit_id: strawberry.ID
    legal_representative: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    industry_type: str | None = None
    scale: str | None = strawberry.field(default=None, description="large, medium, small, micro.")
    business_term_start: date | None = None
    business_term_end: date | None = None
    outlets: list[OutletInput] = strawberry.field(default_factory=list)


@strawberry.input
class RegisterAgencyInput:
    name: str
    uscc: str
    qualifications: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class AddPersonInput:
    name: str
    title: str
    qualifications: list[str] = strawberry.field(default_factory=list)
    expert: bool = False
    expertise: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateUnitProfileSuccess:
    unit: Unit


@strawberry.type
class RegisterAgencySuccess:
    agency: Agency


@strawberry.type
class AddPersonSuccess:
    person: Person


UpdateUnitProfileResult = Annotated[
    UpdateUnitProfileSuccess | UnitNotFound | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("UpdateUnitProfileResult"),
]
UPDATE_UNIT_PROFILE: ResultUnion[UpdateUnitProfileResult] = ResultUnion(UpdateUnitProfileResult)
RegisterAgencyResult = Annotated[
    RegisterAgencySuccess | InvalidUSCC | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("RegisterAgencyResult"),
]
REGISTER_AGENCY: ResultUnion[RegisterAgencyResult] = ResultUnion(RegisterAgencyResult)
AddPersonResult = Annotated[
    AddPersonSuccess | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("AddPersonResult"),
]
ADD_PERSON: ResultUnion[AddPersonResult] = ResultUnion(AddPersonResult)


def _agency(a: engagement_rpc_directory.AgencyProfile) -> Agency:
    return Agency(
        id=str(a.id),
        name=a.name,
        uscc=a.uscc,
        qualifications=a.qualifications,
        updated_at=a.updated_at,
    )


def _person(p: engagement_rpc_directory.PersonView) -> Person:
    return Person(
        id=strawberry.ID(str(p.id)),
        name=p.name,
        title=p.title,
        qualifications=p.qualifications,
        expert=p.expert,
        expertise=p.expertise,
    )


@strawberry.type
class DirectoryQueries:
    @strawberry.field(description="Your agency's profile; null outside an agency or unregistered.")
    async def my_agency(self, info: Info[Context, None]) -> Agency | None:
        ctx = info.context
        if not ctx.authorizer.can("agency", "read"):
            return None
        agency = await ctx.clients.engagement.agency(ctx.acting_agency())
        return _agency(agency) if agency else None

    @strawberry.field(description="Your agency's people; `expertsOnly` for its expert pool.")
    async def people(self, info: Info[Context, None], experts_only: bool = False) -> list[Person]:
        ctx = info.context
        if not ctx.authorizer.can("person", "read"):
            return []
        req = engagement_rpc_directory.PeopleRequest(
            agency_id=ctx.acting_agency(), experts_only=experts_only
        )
        return [_person(p) for p in await ctx.clients.engagement.people(req)]


@strawberry.type
class DirectoryMutations:
    @strawberry.mutation(description="Record a unit's 表 A.1 basic information and outlets.")
    async def update_unit_profile(
        self, info: Info[Context, None], input: UnitProfileInput
    ) -> UpdateUnitProfileResult:
        ctx = info.context

        def request() -> engagement_rpc_directory.UpdateUnitProfileRequest:
            unit_id = decode_global_id(input.unit_id, "Unit", field="unitId")
            fields = dataclasses.asdict(input)
            fields.pop("unit_id")
            profile = engagement_rpc_directory.UnitProfile(
                **fields
            )  # its errors name the input's own fields
            return engagement_rpc_directory.UpdateUnitProfileRequest(
                unit_id=unit_id, scope=scope_of(ctx.authorizer), profile=profile
            )

        return await run_mutation(
            info,
            UPDATE_UNIT_PROFILE,
            ("unit", "update"),
            request=request,
            send=ctx.clients.engagement.update_unit_profile,
            success=lambda view: UpdateUnitProfileSuccess(unit=Unit.from_view(view)),
        )

    @strawberry.mutation(description="Register or update your agency's profile.")
    async def register_agency(
        self, info: Info[Context, None], input: RegisterAgencyInput
    ) -> RegisterAgencyResult:
        ctx = info.context
        return await run_mutation(
            info,
            REGISTER_AGENCY,
            ("agency", "update"),
            request=lambda: engagement_rpc_directory.RegisterAgencyRequest(
                agency_id=ctx.acting_agency(), **dataclasses.asdict(input)
            ),
            send=ctx.clients.engagement.register_agency,
            success=lambda agency: RegisterAgencySuccess(agency=_agency(agency)),
        )

    @strawberry.mutation(description="Add a person to your agency (and its expert pool).")
    async def add_person(self, info: Info[Context, None], input: AddPersonInput) -> AddPersonResult:
        ctx = info.context
        return await run_mutation(
            info,
            ADD_PERSON,
            ("person", "create"),
            request=lambda: engagement_rpc_directory.AddPersonRequest(
                agency_id=ctx.acting_agency(), **dataclasses.asdict(input)
            ),
            send=ctx.clients.engagement.add_person,
            success=lambda person: AddPersonSuccess(person=_person(person)),
        )
