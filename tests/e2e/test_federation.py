"""Federation 2 end to end: our SDL composed (@apollo/composition) with a second subgraph
that extends Unit by 统一社会信用代码, and @apollo/gateway routing queries across both
into a running stack. The caller's token travels through the router; ecohost's
`_entities` and fields apply the same authorization as without a router."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, token
from tests.js.node import JS_DIR, ensure_installed, node, run_node

AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")
OTHER_AGENCY = str(new_id())
OTHER_ADMIN = token(f"agency:{OTHER_AGENCY}", "agency_admin")

PERMITS = "{ nationalPermits { number holder { uscc name regionCode } } }"
UNIT_WITH_PERMITS = "query($id: ID!) { unit(id: $id) { name uscc nationalPermitNumbers } }"


def test_our_sdl_composes_with_a_subgraph_extending_unit() -> None:
    # The committed schema.graphql is the served one (a test checks the drift).
    done = run_node("compose.mjs", str(Path(__file__).parents[2] / "schema.graphql"))
    assert done.returncode == 0, done.stdout + done.stderr
    supergraph = json.loads(done.stdout)["supergraphSdl"]
    unit = _type_block(supergraph, "Unit")
    assert '@join__type(graph: ECOHOST, key: "id")' in unit
    assert '@join__type(graph: ECOHOST, key: "uscc")' in unit
    assert '@join__type(graph: PERMITS, key: "uscc")' in unit
    assert '@join__type(graph: ECOHOST, key: "id")' in _type_block(supergraph, "Scorecard")


def _type_block(sdl: str, name: str) -> str:
    start = sdl.index(f"type {name} ")
    return sdl[start : sdl.index("}", start)]


@contextmanager
def router(system: RunningSystem, tmp_path: Path, permits: list[dict[str, str]]) -> Iterator[str]:
    """@apollo/gateway and the permits subgraph (one node process) in front of the stack."""
    ensure_installed()
    sdl = system.api.gql("{ _service { sdl } }", token=ADMIN)["data"]["_service"]["sdl"]
    (tmp_path / "ecohost.graphql").write_text(sdl)
    (tmp_path / "permits.json").write_text(json.dumps(permits))
    proc = subprocess.Popen(
        [
            node(),
            str(JS_DIR / "federation.mjs"),
            system.api.url + "/graphql",
            str(tmp_path / "ecohost.graphql"),
            str(tmp_path / "permits.json"),
        ],
        cwd=JS_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)  # a router that never starts cannot hang CI
    watchdog.start()
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        watchdog.cancel()
        assert line, proc.stderr.read() if proc.stderr else "the router exited"
        yield json.loads(line)["router"]
    finally:
        watchdog.cancel()
        if proc.stdin is not None:
            proc.stdin.close()  # the router stops when stdin closes
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def routed(url: str, query: str, tok: str | None, **variables: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {tok}"} if tok else {}
    r = httpx.post(url, json={"query": query, "variables": variables}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize("system", ["sqlite"], indirect=True)
def test_queries_through_apollo_gateway_keep_authorization(
    system: RunningSystem, tmp_path: Path
) -> None:
    ours = system.api.create_unit(ADMIN)["unit"]
    theirs = system.api.create_unit(OTHER_ADMIN)["unit"]
    permits = [
        {"number": "91440300-001P", "uscc": ours["uscc"]},
        {"number": "91440300-002P", "uscc": theirs["uscc"]},
    ]
    with router(system, tmp_path, permits) as url:
        # permits subgraph → ecohost `_entities` by uscc, with the forwarded token.
        as_admin = routed(url, PERMITS, ADMIN)["data"]["nationalPermits"]
        as_other = routed(url, PERMITS, OTHER_ADMIN)["data"]["nationalPermits"]
        anonymous = routed(url, PERMITS, None)["data"]["nationalPermits"]
        # ecohost → permits subgraph by uscc.
        own_unit = routed(url, UNIT_WITH_PERMITS, ADMIN, id=ours["id"])
        foreign_unit = routed(url, UNIT_WITH_PERMITS, OTHER_ADMIN, id=ours["id"])
        anonymous_unit = routed(url, UNIT_WITH_PERMITS, None, id=ours["id"])

    holders = {p["number"]: p["holder"] for p in as_admin}
    assert holders["91440300-001P"]["name"] == ours["name"]
    assert holders["91440300-001P"]["regionCode"] == ours["regionCode"]
    assert _no_ecohost_data(holders["91440300-002P"])
    holders = {p["number"]: p["holder"] for p in as_other}
    assert _no_ecohost_data(holders["91440300-001P"])
    assert holders["91440300-002P"]["name"] == theirs["name"]
    assert all(_no_ecohost_data(p["holder"]) for p in anonymous)

    assert own_unit["data"]["unit"] == {
        "name": ours["name"],
        "uscc": ours["uscc"],
        "nationalPermitNumbers": ["91440300-001P"],
    }
    assert foreign_unit["data"]["unit"] is None
    assert anonymous_unit["data"]["unit"] is None


def _no_ecohost_data(holder: dict[str, Any] | None) -> bool:
    """A denied entity: the router has nothing from ecohost (the holder is null, or
    only the key the permits subgraph itself knows)."""
    return holder is None or (holder.get("name") is None and holder.get("regionCode") is None)


ENTITIES = """query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Unit { name }
    ... on Scorecard { total }
  }
}"""


@pytest.mark.parametrize("system", ["sqlite"], indirect=True)
def test_entities_by_uscc_and_scorecards_are_authorized(system: RunningSystem) -> None:
    ours = system.api.create_unit(ADMIN)["unit"]
    theirs = system.api.create_unit(OTHER_ADMIN)["unit"]
    representations = [
        {"__typename": "Unit", "uscc": ours["uscc"]},
        {"__typename": "Unit", "uscc": theirs["uscc"]},
        {"__typename": "Unit", "uscc": ours["uscc"].lower()},  # normalised like on entry
        {"__typename": "Unit", "uscc": "not a code"},
        {"__typename": "Unit", "id": ours["id"]},
        {"__typename": "Scorecard", "id": "U2NvcmVjYXJkOm5vcGU="},  # malformed global id
        {"__typename": "Scorecard", "id": _global_id("Scorecard", str(new_id()))},
    ]
    admin = system.api.gql(ENTITIES, {"representations": representations}, ADMIN)
    anonymous = system.api.gql(ENTITIES, {"representations": representations})
    assert "errors" not in admin, admin
    mine = {"__typename": "Unit", "name": ours["name"]}
    assert admin["data"]["_entities"] == [mine, None, mine, None, mine, None, None]
    assert not any(anonymous["data"]["_entities"] or [])


def _global_id(kind: str, uuid: str) -> str:
    return base64.b64encode(f"{kind}:{uuid}".encode()).decode()
