"""Every ledger operation for each kind of caller: anonymous, another tenant, the same
tenant without the permission, and with it (R4.2.4.3). The key and checkpoints are
public; an engagement's entries and provenance follow its trace's visibility; a denied
read returns null, a denied mutation NotAuthorized, and nothing is written."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, token

AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")

CALLERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "anonymous": lambda w: None,
    "other-tenant": lambda w: token(f"agency:{new_id()}", "agency_admin"),
    "same-tenant-no-permission": lambda w: token(f"agency:{AGENCY}", "expert"),
    "keeper-without-trace-permission": lambda w: token(f"agency:{AGENCY}", "archive_keeper"),
    "other-region": lambda w: token("region:11", "regulator"),
    "with-permission": lambda w: token(f"agency:{AGENCY}", "engineer"),
    "the-unit-itself": lambda w: token(f"unit:{w['unit_uuid']}", "client_viewer"),
    "regulator-of-its-region": lambda w: token("region:44", "regulator"),
}
EVERYONE = set(CALLERS)
ENGAGEMENT_READERS = {"with-permission", "the-unit-itself", "regulator-of-its-region"}
LEDGER_READERS = ENGAGEMENT_READERS | {"other-tenant", "keeper-without-trace-permission"}
LEDGER_READERS |= {"other-region"}

QUERIES: dict[str, tuple[str, Callable[[dict[str, Any]], Any], set[str]]] = {
    "ledgerPublicKey": (
        "{ ledgerPublicKey { verifierKey } }",
        lambda d: d["ledgerPublicKey"],
        EVERYONE,
    ),
    "latestCheckpoint": (
        "{ latestCheckpoint { note } }",
        lambda d: d["latestCheckpoint"],
        EVERYONE,
    ),
    "checkpoints": ("{ checkpoints { note } }", lambda d: d["checkpoints"], EVERYONE),
    "ledgerEntry(engagement event)": (
        "query($ev: ID!) { ledgerEntry(eventId: $ev) { index inclusionProof { path } } }",
        lambda d: d["ledgerEntry"],
        ENGAGEMENT_READERS,
    ),
    "ledgerEntry(unit event of the agency)": (
        "query($i: Int!) { ledgerEntry(index: $i) { index } }",
        lambda d: d["ledgerEntry"],
        {"with-permission", "keeper-without-trace-permission"},  # same agency, ledger read
    ),
    "provenance": (
        "query($e: ID!) { provenance(engagementId: $e) { steps { entry { index } } } }",
        lambda d: d["provenance"],
        ENGAGEMENT_READERS,
    ),
    "consistencyProof": (
        "query($n: Int!) { consistencyProof(from: 1, to: $n) { toRoot } }",
        lambda d: d["consistencyProof"],
        LEDGER_READERS,
    ),
}
# The log is one for all tenants, and a checkpoint only signs what is already there:
# any agency's project manager or archive keeper may ask for one (a handover does).
CHECKPOINTERS = {"with-checkpoint-permission", "keeper", "keeper-without-trace-permission"}
CHECKPOINTERS |= {"other-tenant"}
MUTATION_CALLERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **CALLERS,
    "with-checkpoint-permission": lambda w: token(f"agency:{AGENCY}", "project_manager"),
    "keeper": lambda w: token(f"agency:{AGENCY}", "archive_keeper"),
}


@pytest.fixture(scope="module")
def world(system: RunningSystem) -> dict[str, Any]:
    api = system.api
    unit = api.create_unit(ADMIN, name="台账授权单位")["unit"]
    engagement = api.create_engagement(ADMIN, unit["id"])["engagement"]
    eventually(lambda: api.settled(ADMIN, engagement["id"]))
    trace = api.gql(
        "query($e: ID!) { engagement(id: $e) { trace { eventId } } }",
        {"e": engagement["id"]},
        ADMIN,
    )["data"]["engagement"]["trace"]
    engineer = token(f"agency:{AGENCY}", "engineer")
    entry = api.gql(
        "query($ev: ID!) { ledgerEntry(eventId: $ev) { index } }",
        {"ev": trace[0]["eventId"]},
        engineer,
    )["data"]["ledgerEntry"]
    # The unit's registration is recorded before the engagement's creation.
    [unit_event] = eventually(lambda: _agency_unit_event(api, engineer, entry["index"]))
    api.gql("mutation { createCheckpoint { __typename } }", token=ADMIN)
    return {
        "e": engagement["id"],
        "ev": trace[0]["eventId"],
        "i": unit_event,
        "n": entry["index"] + 1,
        "unit_uuid": base64.b64decode(unit["id"]).decode().split(":", 1)[1],
    }


def _agency_unit_event(api: Any, tok: str, below: int) -> list[int]:
    """[index] of this agency's newest unit registration before `below` (a list, as index
    0 is a fine answer but a falsy one)."""
    for index in range(below - 1, -1, -1):
        body = api.gql(
            "query($i: Int!) { ledgerEntry(index: $i) { eventType tenant } }", {"i": index}, tok
        )
        entry = body["data"]["ledgerEntry"]
        if entry and entry["eventType"] == "engagement.unit_registered.v1":
            return [index]
    return []


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(QUERIES))
def test_R4_2_4_3_every_ledger_query_is_authorized_for_every_caller(
    system: RunningSystem, world: dict[str, Any], operation: str, caller: str
):
    query, pick, allowed = QUERIES[operation]
    variables = {k: world[k] for k in ("e", "ev", "i", "n") if f"${k}:" in query}
    body = system.api.gql(query, variables, CALLERS[caller](world))
    assert "errors" not in body, body
    data = pick(body["data"])
    if caller in allowed:
        assert data, f"{caller} should see {operation}"
    else:
        assert not data, f"{caller} must not see {operation}: {data}"


@pytest.mark.parametrize("caller", list(MUTATION_CALLERS))
async def test_R4_2_4_3_only_checkpointers_create_checkpoints(
    system: RunningSystem, world: dict[str, Any], caller: str
):
    before = await system.count("archive", "select count(*) from ledger_checkpoint")
    body = system.api.gql(
        "mutation { createCheckpoint { __typename ... on NotAuthorized { reason } } }",
        token=MUTATION_CALLERS[caller](world),
    )
    result = body["data"]["createCheckpoint"]
    after = await system.count("archive", "select count(*) from ledger_checkpoint")
    if caller in CHECKPOINTERS:
        assert result["__typename"] == "CreateCheckpointSuccess"
        assert after >= before + 1
    else:
        expected = "AUTHENTICATION_REQUIRED" if caller == "anonymous" else "PERMISSION_DENIED"
        assert result == {"__typename": "NotAuthorized", "reason": expected}
