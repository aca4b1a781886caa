"""The vertical slice over HTTP: unit → engagement → events → trace, on both backends.

R4.2.1: an engagement exists from the signed agreement; R1-trace: what happened is
recorded by the archive service, hash-chained, from the events alone.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from kit.ids import new_id
from services.archive.ledger.domain import GENESIS
from tests.e2e.harness import RunningSystem, eventually, new_uscc, token

AGENCY = str(new_id())
OTHER_AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")


def test_R4_2_1_engagement_from_agreement_is_traced_by_the_archive(system: RunningSystem):
    api = system.api
    code = new_uscc("350100")
    unit = api.create_unit(ADMIN, uscc=code.lower(), name="闽江印染")
    assert unit["__typename"] == "CreateUnitSuccess", unit
    assert (unit["unit"]["uscc"], unit["unit"]["regionCode"]) == (code, "350100")

    created = api.create_engagement(
        ADMIN, unit["unit"]["id"], serviceModes=["ROVING", "REMOTE_MONITORING", "ROVING"]
    )
    assert created["__typename"] == "CreateEngagementSuccess", created
    eng = created["engagement"]
    assert eng["stage"] == "PREPARATION"
    assert eng["serviceModes"] == ["ROVING", "REMOTE_MONITORING"]

    view = eventually(lambda: api.settled(ADMIN, eng["id"]))
    assert view["unit"] == {"name": "闽江印染", "uscc": code}
    assert (view["periodStart"], view["periodEnd"], view["agencyId"]) == (
        "2027-01-01",
        "2027-12-31",
        AGENCY,
    )
    [entry] = view["trace"]
    assert entry["seq"] == 1
    assert entry["eventType"] == "engagement.created.v1"
    assert (entry["actor"], entry["tenant"]) == ("alice", f"agency:{AGENCY}")
    assert entry["prevHash"] == GENESIS
    assert len(entry["entryHash"]) == 64
    assert view["evaluationRegistered"] is True  # the evaluation service got it too


async def test_R1_trace_each_event_is_recorded_exactly_once(system: RunningSystem):
    api = system.api
    unit = api.create_unit(ADMIN)["unit"]
    ids = [api.create_engagement(ADMIN, unit["id"])["engagement"]["id"] for _ in range(5)]
    for id_ in ids:
        view = eventually(partial(api.settled, ADMIN, id_))
        assert [t["seq"] for t in view["trace"]] == [1]
    dupes = await system.count(
        "archive",
        "select count(*) from (select event_id from trace_entry"
        " group by event_id having count(*) > 1) d",
    )
    assert dupes == 0


def test_units_and_engagements_are_listed_with_cursor_pagination(system: RunningSystem):
    api = system.api
    agency = str(new_id())
    tok = token(f"agency:{agency}", "agency_admin")
    made = [api.create_unit(tok)["unit"]["id"] for _ in range(3)]
    query = """query($after: String) {
      units(first: 2, after: $after) {
        totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor }
      }
    }"""
    first = api.gql(query, {"after": None}, tok)["data"]["units"]
    assert first["totalCount"] == 3
    assert [e["node"]["id"] for e in first["edges"]] == made[:2]
    assert first["pageInfo"]["hasNextPage"] is True
    second = api.gql(query, {"after": first["pageInfo"]["endCursor"]}, tok)["data"]["units"]
    assert [e["node"]["id"] for e in second["edges"]] == made[2:]
    assert second["pageInfo"]["hasNextPage"] is False


# --- bad input: a typed error, and nothing written ------------------------------------


async def counts(system: RunningSystem) -> tuple[int, int, int]:
    return (
        await system.count("engagement", "select count(*) from unit"),
        await system.count("engagement", "select count(*) from engagement"),
        await system.count("engagement", "select count(*) from outbox"),
    )


@pytest.mark.parametrize(
    ("uscc", "field"),
    [("91350100M000100Y44", "uscc"), ("123", "uscc"), ("91350100M000100YI3", "uscc")],
)
async def test_invalid_uscc_is_a_typed_error_and_writes_nothing(system: RunningSystem, uscc, field):
    before = await counts(system)
    result = system.api.create_unit(ADMIN, uscc=uscc)
    assert result["__typename"] == "InvalidUSCC"
    assert (result["code"], result["field"]) == ("invalid_uscc", field)
    assert await counts(system) == before


async def test_invalid_industry_code_names_the_field(system: RunningSystem):
    before = await counts(system)
    result = system.api.create_unit(ADMIN, industryCode="not-a-code")
    assert (result["__typename"], result["field"]) == ("ValidationError", "industryCode")
    assert await counts(system) == before


async def test_the_same_uscc_entered_again_is_the_same_unit(system: RunningSystem):
    # One registry (issue 14): entering a unit your agency is linked to answers that unit
    # and writes nothing; another agency gets a proposal (tests/engagement/test_unit_registry).
    code = new_uscc()
    first = system.api.create_unit(ADMIN, uscc=code)
    assert first["__typename"] == "CreateUnitSuccess"
    before = await counts(system)
    again = system.api.create_unit(ADMIN, uscc=code)
    assert again["__typename"] == "CreateUnitSuccess"
    assert again["unit"]["id"] == first["unit"]["id"]
    assert await counts(system) == before


async def test_unknown_unit_is_unit_not_found(system: RunningSystem):
    before = await counts(system)
    ghost = base64.b64encode(f"Unit:{new_id()}".encode()).decode()
    result = system.api.create_engagement(ADMIN, ghost)
    assert (result["__typename"], result["field"]) == ("UnitNotFound", "unitId")
    bad_id = system.api.create_engagement(ADMIN, "not-an-id")
    assert (bad_id["__typename"], bad_id["field"]) == ("ValidationError", "unitId")
    assert await counts(system) == before


async def test_period_ending_before_it_starts_is_refused(system: RunningSystem):
    unit = system.api.create_unit(ADMIN)["unit"]["id"]
    before = await counts(system)
    result = system.api.create_engagement(
        ADMIN, unit, periodStart="2027-12-31", periodEnd="2027-01-01"
    )
    assert (result["__typename"], result["field"]) == ("ValidationError", "periodEnd")
    assert await counts(system) == before


@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        (lambda: None, "AUTHENTICATION_REQUIRED"),
        (
            lambda: token(
                f"agency:{AGENCY}",
                "agency_admin",
                ttl=60,
                now=datetime.now(UTC) - timedelta(hours=2),
            ),
            "TOKEN_EXPIRED",
        ),
        (lambda: ADMIN[:-4] + "AAAA", "TOKEN_INVALID"),
        (lambda: token(f"agency:{AGENCY}", "engineer"), "PERMISSION_DENIED"),
        (lambda: token(f"unit:{new_id()}", "client_admin"), "PERMISSION_DENIED"),
    ],
    ids=["missing", "expired", "tampered", "no-permission", "client-role"],
)
async def test_refused_callers_get_not_authorized_and_write_nothing(
    system: RunningSystem, make_token, reason
):
    unit = system.api.create_unit(ADMIN)["unit"]["id"]
    before = await counts(system)
    tok = make_token()
    made_unit = system.api.create_unit(tok)
    made_engagement = system.api.create_engagement(tok, unit)
    for result in (made_unit, made_engagement):
        assert (result["__typename"], result["reason"]) == ("NotAuthorized", reason)
    assert await counts(system) == before


async def test_another_tenants_unit_reads_as_not_found(system: RunningSystem):
    unit = system.api.create_unit(ADMIN)["unit"]["id"]
    other = token(f"agency:{OTHER_AGENCY}", "agency_admin")
    before = await counts(system)
    result = system.api.create_engagement(other, unit)
    assert result["__typename"] == "UnitNotFound"
    acting_for_other = system.api.create_engagement(ADMIN, unit, agencyId=OTHER_AGENCY)
    assert (acting_for_other["__typename"], acting_for_other["reason"]) == (
        "NotAuthorized",
        "PERMISSION_DENIED",
    )
    assert await counts(system) == before


def test_unexpected_input_shape_is_a_graphql_error_without_internals(system: RunningSystem):
    body = system.api.gql("mutation { createUnit(input: {name: 1}) { __typename } }", token=ADMIN)
    assert body.get("data") is None
    text = str(body["errors"])
    assert "Traceback" not in text
    assert 'File "' not in text
