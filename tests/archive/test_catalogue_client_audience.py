"""A client that is not one unit (园区, 集团, 区域; issue 14) sees an engagement's archive
items as its unit does: handed over, filed or destroyed, within its clearance (R4.2.4.3);
another client nothing. The same rule in the audience events carry (`ItemAudience`)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from contracts.archive.enums import ItemStatus
from contracts.archive.rpc_catalogue import Caller
from contracts.core import Scope
from services.archive.catalogue import domain

AGENCY, UNIT, PARK = uuid4(), uuid4(), uuid4()


def holding(status: ItemStatus = ItemStatus.FILED, *, handed_over: bool = True, level: int = 1):
    return domain.Holding(AGENCY, UNIT, status, level, handed_over, client_id=PARK)


def park(clearance: int = 1, client_id=PARK) -> Caller:
    return Caller(scope=Scope(client_id=client_id), clearance=clearance)


@pytest.mark.parametrize(
    ("item", "seen"),
    [
        (holding(), True),
        (holding(ItemStatus.DESTROYED), True),
        (holding(handed_over=False), False),
        (holding(ItemStatus.PENDING), False),
        (holding(level=2), False),  # above the park's clearance: no read up
    ],
)
def test_R4_2_4_3_a_park_sees_what_its_engagements_unit_sees(item: domain.Holding, seen: bool):
    assert domain.may_see(park(), item) is seen
    assert domain.audience(item).admits(park()) is seen
    unit = Caller(scope=Scope(unit_id=UNIT), clearance=1)
    assert domain.may_see(unit, item) is seen


def test_R4_2_4_3_another_park_or_an_engagement_without_a_client_shows_nothing():
    assert not domain.may_see(park(client_id=uuid4()), holding())
    no_client = domain.Holding(AGENCY, UNIT, ItemStatus.FILED, 1, True)
    assert not domain.may_see(park(), no_client)
    assert domain.audience(no_client).client_id is None
    # Only the engagement's own registers are the agency's alone.
    assert domain.audience(holding(), unit=False).client_id is None
