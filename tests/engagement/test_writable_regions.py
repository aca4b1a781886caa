"""`writable_regions` (what opening an engagement reads of its units) answers as
`writable_units` does, one unit or several, on SQLite and PostgreSQL: a unit writes
its own file; an agency through an active or provisional link (with its own file of
the unit), never through an ended one; a client, a regulator and nobody write none."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from contracts.core import Scope
from kit.db import Database
from services.engagement.directory import repository
from services.engagement.models import Unit, UnitFile, UnitLink

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
AGENCY, OTHER_AGENCY, CLIENT = uuid4(), uuid4(), uuid4()


def unit(n: int, region: str) -> Unit:
    return Unit(
        id=uuid4(),
        name=f"单位{n}",
        uscc=f"91440300MA5F{n:06d}",
        industry_code="C2614",
        address="深圳市南山区",
        region_code=region,
        agency_id=None,
        created_at=NOW,
        created_by="tester",
    )


def link(unit: Unit, agency: UUID, status: str) -> UnitLink:
    ended = NOW if status == "ended" else None
    return UnitLink(
        unit_id=unit.id,
        agency_id=agency,
        status=status,
        via="registered",
        since=NOW,
        ended_at=ended,
    )


@pytest.fixture
async def units(db: Database) -> dict[str, Unit]:
    """active, provisional (with the agency's own file), ended, and no link at all."""
    made = {
        "active": unit(1, "440305"),
        "provisional": unit(2, "440306"),
        "ended": unit(3, "440307"),
        "unlinked": unit(4, "440308"),
    }
    async with db.transaction() as session:
        session.add_all(made.values())
        await session.flush()
        session.add_all(
            [
                link(made["active"], AGENCY, "active"),
                link(made["provisional"], AGENCY, "provisional"),
                link(made["ended"], AGENCY, "ended"),
                link(made["unlinked"], OTHER_AGENCY, "active"),
            ]
        )
        session.add(
            UnitFile(
                id=uuid4(),
                unit_id=made["provisional"].id,
                agency_id=AGENCY,
                name="代理机构录入的名称",
                industry_code="C2614",
                address="深圳市宝安区",
                created_at=NOW,
                created_by="tester",
            )
        )
    return made


def scopes(units: dict[str, Unit]) -> dict[str, tuple[Scope, set[str]]]:
    """Each caller with the units (by name) it may write."""
    return {
        "agency": (Scope(agency_id=AGENCY), {"active", "provisional"}),
        "other agency": (Scope(agency_id=OTHER_AGENCY), {"unlinked"}),
        "unit": (Scope(unit_id=units["ended"].id), {"ended"}),
        # Both set (the gateway sets one): the unit's own scope decides, as it always did.
        "unit and agency": (Scope(unit_id=units["ended"].id, agency_id=AGENCY), {"ended"}),
        "client": (Scope(client_id=CLIENT), set()),
        "evaluator": (Scope(evaluator_id=CLIENT), set()),
        "regulator": (Scope(region_prefix="44"), set()),
        "nobody": (Scope(), set()),
    }


@pytest.mark.parametrize(
    "caller",
    [
        "agency",
        "other agency",
        "unit",
        "unit and agency",
        "client",
        "evaluator",
        "regulator",
        "nobody",
    ],
)
async def test_the_same_units_as_writable_units_with_their_regions(
    db: Database, units: dict[str, Unit], caller: str
) -> None:
    scope, names = scopes(units)[caller]
    expected = {units[n].id: units[n].region_code for n in names}
    everything = [u.id for u in units.values()]
    async with db.transaction() as session:
        # Several at once, and each one alone (the one-unit statement).
        assert await repository.writable_regions(session, everything, scope) == expected
        assert set(await repository.writable_units(session, everything, scope)) == set(expected)
        for name, u in units.items():
            alone = await repository.writable_regions(session, [u.id], scope)
            assert alone == ({u.id: u.region_code} if name in names else {}), name
            assert set(alone) == set(await repository.writable_units(session, [u.id], scope))
        assert await repository.writable_regions(session, [], scope) == {}
        assert await repository.writable_regions(session, [uuid4()], scope) == {}
