"""GraphQL type of a unit's contact person."""

from __future__ import annotations

import strawberry


@strawberry.type(description="A unit's contact person (联系人).")
class UnitContact:
    name: str
    title: str | None = strawberry.field(description="联系人职务.")
    phone: str | None
    email: str | None
