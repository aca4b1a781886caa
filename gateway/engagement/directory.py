"""GraphQL of the directory: unit basic information (表 A.1), agencies, people, experts."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from pydantic import ValidationError as PydanticValidationError
from strawberry.types import Info

from contracts.core import DomainError
from contracts.engagement import rpc_directory as d
from gateway.context import Context, scope_of
from gateway.engagement.types import Unit
from gateway.errors import (
    InvalidUSCC,
    NotAuthorized,
    ServiceUnavailable,
    UnitNotFound,
    ValidationError,
    to_graphql,
)
from gateway.ids import decode_global_id
from kit.rpc import validation_error


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
RegisterAgencyResult = Annotated[
    RegisterAgencySuccess | InvalidUSCC | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("RegisterAgencyResult"),
]
AddPersonResult = Annotated[
    AddPersonSuccess | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("AddPersonResult"),
]


def _agency(a: d.AgencyProfile) -> Agency:
    return Agency(
        id=str(a.id),
        name=a.name,
        uscc=a.uscc,
        qualifications=a.qualifications,
        updated_at=a.updated_at,
    )


def _person(p: d.PersonView) -> Person:
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
        reply = await ctx.services.call(
            d.GET_AGENCY, d.AgencyRequest(agency_id=ctx.acting_agency())
        )
        return _agency(reply.agency) if reply.agency else None

    @strawberry.field(description="Your agency's people; `expertsOnly` for its expert pool.")
    async def people(self, info: Info[Context, None], experts_only: bool = False) -> list[Person]:
        ctx = info.context
        if not ctx.authorizer.can("person", "read"):
            return []
        req = d.PeopleRequest(agency_id=ctx.acting_agency(), experts_only=experts_only)
        return [_person(p) for p in (await ctx.services.call(d.LIST_PEOPLE, req)).items]


@strawberry.type
class DirectoryMutations:
    @strawberry.mutation(description="Record a unit's 表 A.1 basic information and outlets.")
    async def update_unit_profile(
        self, info: Info[Context, None], input: UnitProfileInput
    ) -> UpdateUnitProfileResult:
        ctx = info.context
        try:
            if not ctx.authorizer.can("unit", "update"):
                raise ctx.denied()
            unit_id = decode_global_id(input.unit_id, "Unit", field="unitId")
            fields = dataclasses.asdict(input)
            fields.pop("unit_id")
            try:
                profile = d.UnitProfile(**fields)
            except PydanticValidationError as exc:
                raise validation_error(exc) from None
            req = d.UpdateUnitProfileRequest(
                unit_id=unit_id, scope=scope_of(ctx.authorizer), profile=profile
            )
            view = await ctx.services.call(d.UPDATE_UNIT_PROFILE, req)
            return UpdateUnitProfileSuccess(unit=Unit.from_view(view))
        except DomainError as exc:
            return to_graphql(exc, ctx.request_id)  # type: ignore[return-value]

    @strawberry.mutation(description="Register or update your agency's profile.")
    async def register_agency(
        self, info: Info[Context, None], input: RegisterAgencyInput
    ) -> RegisterAgencyResult:
        ctx = info.context
        try:
            if not ctx.authorizer.can("agency", "update"):
                raise ctx.denied()
            try:
                req = d.RegisterAgencyRequest(
                    agency_id=ctx.acting_agency(), **dataclasses.asdict(input)
                )
            except PydanticValidationError as exc:
                raise validation_error(exc) from None
            return RegisterAgencySuccess(
                agency=_agency(await ctx.services.call(d.REGISTER_AGENCY, req))
            )
        except DomainError as exc:
            return to_graphql(exc, ctx.request_id)  # type: ignore[return-value]

    @strawberry.mutation(description="Add a person to your agency (and its expert pool).")
    async def add_person(self, info: Info[Context, None], input: AddPersonInput) -> AddPersonResult:
        ctx = info.context
        try:
            if not ctx.authorizer.can("person", "create"):
                raise ctx.denied()
            try:
                req = d.AddPersonRequest(agency_id=ctx.acting_agency(), **dataclasses.asdict(input))
            except PydanticValidationError as exc:
                raise validation_error(exc) from None
            return AddPersonSuccess(person=_person(await ctx.services.call(d.ADD_PERSON, req)))
        except DomainError as exc:
            return to_graphql(exc, ctx.request_id)  # type: ignore[return-value]
