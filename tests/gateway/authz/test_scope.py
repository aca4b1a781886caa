"""Object scoping: which rows an agency, a unit and a regulator may see at all."""

from __future__ import annotations

import pytest

from gateway.authz.authorizer import Authorizer
from kit.auth import ANONYMOUS, AuthError, AuthFailure, Principal
from tests.gateway.authz.policy import (
    AGENCY_ID,
    OTHER_AGENCY_ID,
    OTHER_UNIT_ID,
    TENANTS,
    UNIT_ID,
    CountingDecider,
    principal_with,
)

# --- object scoping ---------------------------------------------------------------------


def _scope(principal: Principal, **owners: str | None) -> bool:
    kwargs: dict[str, str | None] = {"agency_id": None, "unit_id": None, "region_code": None}
    kwargs.update(owners)
    return Authorizer(CountingDecider(None), principal).in_scope(**kwargs)


def test_agency_sees_what_it_serves() -> None:
    agency = principal_with("engineer")
    assert _scope(agency, agency_id=AGENCY_ID, unit_id=UNIT_ID, region_code="440305")
    assert _scope(agency, agency_id=AGENCY_ID.upper())
    assert not _scope(agency, agency_id=OTHER_AGENCY_ID, unit_id=UNIT_ID, region_code="440305")
    assert not _scope(agency, agency_id=None, unit_id=AGENCY_ID)


def test_unit_sees_its_own() -> None:
    unit = principal_with("client_viewer")
    assert _scope(unit, agency_id=AGENCY_ID, unit_id=UNIT_ID)
    assert not _scope(unit, agency_id=AGENCY_ID, unit_id=OTHER_UNIT_ID)
    assert not _scope(unit, agency_id=UNIT_ID)


@pytest.mark.parametrize(
    ("region", "code", "expected"),
    [
        ("44", "440305", True),
        ("44", "4403", True),
        ("44", "44", True),
        ("44", "450100", False),
        ("44", "", False),
        ("44", None, False),
        ("4403", "440305", True),
        ("4403", "440100", False),
        ("4403", "44", False),  # a province-level object is above a city regulator
        ("440305", "440305", True),
        ("440305", "440306", False),
    ],
)
def test_regulator_sees_its_region(region: str, code: str | None, expected: bool) -> None:
    regulator = principal_with("regulator", tenant=f"region:{region}")
    assert _scope(regulator, agency_id=AGENCY_ID, unit_id=UNIT_ID, region_code=code) is expected


def test_anonymous_sees_nothing() -> None:
    assert not _scope(ANONYMOUS, agency_id="", unit_id="", region_code="")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("agency", {"agency_id": AGENCY_ID}),
        ("unit", {"unit_id": UNIT_ID}),
        ("region", {"region_prefix": "44"}),
    ],
)
def test_scope_filter(kind: str, expected: dict[str, str]) -> None:
    principal = principal_with("engineer", tenant=TENANTS[kind])
    assert Authorizer(CountingDecider(None), principal).scope_filter() == expected


def test_scope_filter_never_means_everything() -> None:
    with pytest.raises(AuthError) as caught:
        Authorizer(CountingDecider(None), ANONYMOUS).scope_filter()
    assert caught.value.reason is AuthFailure.AUTHENTICATION_REQUIRED
