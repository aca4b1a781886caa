"""One unit with an active link to one agency: what an agency needs before it may open
an engagement for the unit. Written as rows, for tests and benchmarks that call the
engagement service's commands directly."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from kit.db import Database
from kit.ids import new_id
from services.engagement.models import Unit, UnitLink


async def linked_unit(
    db: Database, *, agency: UUID | None = None, unit: UUID | None = None
) -> tuple[UUID, UUID]:
    """(agency id, unit id) of a new unit in region 440305 linked to the agency."""
    agency, unit, now = agency or new_id(), unit or new_id(), datetime.now(UTC)
    async with db.transaction() as session:
        session.add(
            Unit(
                id=unit,
                name="基准测试化工有限公司",
                uscc="91440300MA5FBENCH1",
                industry_code="C2614",
                address="深圳市南山区",
                region_code="440305",
                agency_id=agency,
                created_at=now,
                created_by="bench",
            )
        )
        await session.flush()
        session.add(
            UnitLink(unit_id=unit, agency_id=agency, status="active", via="registered", since=now)
        )
    return agency, unit
