"""GraphQL types of a unit's 表 A.1 basic information."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Self

import strawberry

from contracts.engagement import rpc_directory as engagement_rpc_directory


@strawberry.type(description="A discharge outlet coded per HJ 608 (DA001 air, DW001 water).")
class Outlet:
    code: str
    name: str


@strawberry.type(description="表 A.1 基本信息 of a unit.")
class UnitProfile:
    legal_representative: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    industry_type: str | None
    scale: str | None = strawberry.field(description="large, medium, small or micro.")
    business_term_start: date | None
    business_term_end: date | None = strawberry.field(description="Null: 长期 (no end).")
    outlets: list[Outlet]

    @classmethod
    def from_contract(cls, p: engagement_rpc_directory.UnitProfile) -> Self:
        data = p.model_dump()
        data["outlets"] = [Outlet(**o.model_dump()) for o in p.outlets]
        return cls(**data)
