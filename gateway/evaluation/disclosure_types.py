"""GraphQL types of the public disclosures of falsification (R7.2 向社会公布)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Self

import strawberry
from strawberry import relay

from contracts.evaluation import rpc as evaluation_rpc
from contracts.evaluation.enums import Grade
from gateway.pagination import TOTAL_COUNT
from gateway.views import from_view


@strawberry.type(
    description="A published falsification finding (R7.2 向社会公布): public, no login needed."
)
class Disclosure:
    id: str
    unit_name: str | None
    unit_uscc: str | None
    agency_id: str
    period_label: str
    party: str
    finding: str
    decided_as: str | None = strawberry.field(
        description="Who decided: the role (e.g. `agency_admin`) within the agency "
        "`agencyId`, never a person's id; null for findings recorded before roles were kept."
    )
    decided_at: datetime
    total: Decimal
    grade: Grade

    @classmethod
    def from_view(cls, v: evaluation_rpc.DisclosureView) -> Self:
        return from_view(cls, v, id=str(v.id), agency_id=str(v.agency_id), grade=Grade(v.grade))


@strawberry.type
class DisclosureEdge:
    cursor: str
    node: Disclosure


@strawberry.type(description="A page of public disclosures (Relay-shaped; not Nodes).")
class DisclosureConnection:
    edges: list[DisclosureEdge]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description=TOTAL_COUNT)
