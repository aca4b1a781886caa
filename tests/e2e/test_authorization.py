"""Every query of the slice, for each kind of caller: anonymous, another tenant, the same
tenant without the permission, and with it. Denied reads return no data (null or an
empty page), exactly as a missing object would."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, token

AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")

QUERIES: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
    "unit": ("query($u: ID!) { unit(id: $u) { name } }", lambda d: d["unit"]),
    "units": ("{ units { totalCount edges { node { name } } } }", lambda d: d["units"]["edges"]),
    "engagement": ("query($e: ID!) { engagement(id: $e) { id } }", lambda d: d["engagement"]),
    "engagements": (
        "{ engagements { totalCount edges { node { id } } } }",
        lambda d: d["engagements"]["edges"],
    ),
    "engagement.unit": (
        "query($e: ID!) { engagement(id: $e) { unit { name } } }",
        lambda d: d["engagement"] and d["engagement"]["unit"],
    ),
    "engagement.trace": (
        "query($e: ID!) { engagement(id: $e) { trace { seq } } }",
        lambda d: d["engagement"] and d["engagement"]["trace"],
    ),
}


@pytest.fixture(scope="module")
def world(system: RunningSystem) -> dict[str, Any]:
    unit = system.api.create_unit(ADMIN, name="授权测试单位")["unit"]
    engagement = system.api.create_engagement(ADMIN, unit["id"])["engagement"]
    eventually(lambda: system.api.settled(ADMIN, engagement["id"]))
    unit_uuid = base64.b64decode(unit["id"]).decode().split(":", 1)[1]
    return {"u": unit["id"], "e": engagement["id"], "unit_uuid": unit_uuid}


CALLERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "anonymous": lambda w: None,
    "other-tenant": lambda w: token(f"agency:{new_id()}", "agency_admin"),
    "same-tenant-no-permission": lambda w: token(f"agency:{AGENCY}", "archive_keeper"),
    "other-region": lambda w: token("region:11", "regulator"),
    "with-permission": lambda w: token(f"agency:{AGENCY}", "engineer"),
    "the-unit-itself": lambda w: token(f"unit:{w['unit_uuid']}", "client_viewer"),
    "regulator-of-its-region": lambda w: token("region:44", "regulator"),
}
ALLOWED = {"with-permission", "the-unit-itself", "regulator-of-its-region"}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(QUERIES))
def test_every_query_is_authorized_for_every_caller(
    system: RunningSystem, world: dict[str, Any], operation: str, caller: str
):
    query, pick = QUERIES[operation]
    variables = {k: world[k] for k in ("u", "e") if f"${k}" in query}
    body = system.api.gql(query, variables, CALLERS[caller](world))
    assert "errors" not in body, body
    data = pick(body["data"])
    if caller in ALLOWED:
        assert data, f"{caller} should see {operation}"
    else:
        assert not data, f"{caller} must not see {operation}: {data}"


def test_experts_see_no_engagement_only_their_meetings(
    system: RunningSystem, world: dict[str, Any]
):
    expert = token(f"agency:{AGENCY}", "expert", user="prof-zhang")
    body = system.api.gql(
        "query($e: ID!) { engagement(id: $e) { id } "
        "engagements { totalCount } myMeetings { kind } }",
        {"e": world["e"]},
        expert,
    )
    assert body["data"] == {"engagement": None, "engagements": {"totalCount": 0}, "myMeetings": []}
