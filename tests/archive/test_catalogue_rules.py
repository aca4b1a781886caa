"""Pure archive rules (R4.2.4.3 levels, R8 retention): who sees an item, when it may be
destroyed, what an upload may declare."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.archive.enums import ItemStatus, Retention
from contracts.archive.rpc_catalogue import Caller
from contracts.core import Scope
from kit.storage.base import is_valid_key
from services.archive.catalogue import domain

AGENCY, UNIT, OTHER = uuid4(), uuid4(), uuid4()


def holding(level: int = 1, status: ItemStatus = ItemStatus.FILED, handed_over: bool = True):
    return domain.Holding(AGENCY, UNIT, status, level, handed_over)


def agency(clearance: int = 3, agency_id=AGENCY) -> Caller:
    return Caller(scope=Scope(agency_id=agency_id), clearance=clearance)


def unit(clearance: int = 1, unit_id=UNIT) -> Caller:
    return Caller(scope=Scope(unit_id=unit_id), clearance=clearance)


@given(clearance=st.integers(0, 3), level=st.integers(0, 3))
def test_R4_2_4_3_no_read_up_for_anyone(clearance: int, level: int):
    for caller in (agency(clearance), unit(clearance)):
        assert domain.may_see(caller, holding(level)) == (clearance >= level)


def test_R4_2_4_3_tenants_see_only_their_own():
    assert not domain.may_see(agency(agency_id=OTHER), holding(0))
    assert not domain.may_see(unit(unit_id=OTHER), holding(0))
    assert not domain.may_see(Caller(scope=Scope(), clearance=3), holding(0))
    assert not domain.may_see(Caller(scope=Scope(region_prefix="44"), clearance=3), holding(0))


def test_R4_2_4_2_the_unit_sees_only_what_was_handed_over_and_filed():
    assert not domain.may_see(unit(), holding(handed_over=False))
    assert not domain.may_see(unit(), holding(status=ItemStatus.PENDING))
    assert domain.may_see(unit(), holding(status=ItemStatus.DESTROYED))  # the tombstone
    assert not domain.may_download(unit(), holding(status=ItemStatus.DESTROYED))
    assert domain.may_see(agency(), holding(status=ItemStatus.PENDING, handed_over=False))
    assert not domain.may_see(agency(), holding(status=ItemStatus.EXPIRED))


def test_R4_2_4_3_lowering_a_level_needs_the_keeper():
    assert domain.level_change_allowed(1, 2, may_lower=False)
    assert domain.level_change_allowed(2, 2, may_lower=False)
    assert not domain.level_change_allowed(2, 1, may_lower=False)
    assert domain.level_change_allowed(2, 0, may_lower=True)


@pytest.mark.parametrize(
    ("retention", "formed", "last_day"),
    [
        (Retention.YEARS_10, date(2020, 6, 30), date(2030, 12, 31)),
        (Retention.YEARS_30, date(2020, 1, 1), date(2050, 12, 31)),
        (Retention.PERMANENT, date(1990, 1, 1), None),
    ],
)
def test_R8_retention_counts_from_the_next_first_of_january(retention, formed, last_day):
    assert domain.retention_ends(retention, formed) == last_day
    if last_day is None:
        assert not domain.may_destroy(retention, formed, date(2999, 1, 1))
    else:
        assert not domain.may_destroy(retention, formed, last_day)
        assert domain.may_destroy(retention, formed, date(last_day.year + 1, 1, 1))


def test_R8_destruction_needs_two_distinct_witnesses_other_than_the_approver():
    assert domain.witnesses_valid(["王五", "赵六"], "keeper")
    assert not domain.witnesses_valid(["王五", "王五"], "keeper")
    assert not domain.witnesses_valid(["王五", "keeper"], "keeper")
    assert not domain.witnesses_valid(["王五", " "], "keeper")
    assert not domain.witnesses_valid(["王五"], "keeper")


def test_R4_2_4_2_content_types_from_settings():
    allowed = ["application/pdf", "image/*"]
    assert domain.content_type_allowed("application/pdf", allowed)
    assert domain.content_type_allowed("IMAGE/PNG", allowed)
    assert not domain.content_type_allowed("text/html", allowed)
    assert not domain.content_type_allowed("application/pdf\r\nX: y", allowed)
    assert domain.content_type_allowed("text/html", [])


@given(st.text())
def test_R4_2_4_2_names_never_become_paths(name: str):
    shown = domain.display_filename(name)
    assert "/" not in shown
    assert "\\" not in shown
    assert 0 < len(shown) <= 255
    assert all(ch.isprintable() or ch == " " for ch in shown) or shown == "file"
    # Keys are built from ids alone: there is no argument a name could reach.
    assert is_valid_key(domain.object_key(uuid4(), uuid4(), 1))
