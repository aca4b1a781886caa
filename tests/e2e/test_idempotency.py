"""`Idempotency-Key`: a mutation sent again with the same key runs once (both databases).

A client that got no answer (a timeout, a dropped connection, a `ServiceUnavailable`
after the command had in fact committed) sends the same request again with the same
key and gets the first answer; nothing is written or emitted twice."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from kit.ids import new_id
from tests.e2e.harness import CREATE_ENGAGEMENT, RunningSystem, token

AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")
ADMIN_BOB = token(f"agency:{AGENCY}", "agency_admin", user="bob")
TWO_ENGAGEMENTS = """
mutation($a: CreateEngagementInput!, $b: CreateEngagementInput!) {
  first: createEngagement(input: $a) {
    __typename ... on CreateEngagementSuccess { engagement { id } }
  }
  second: createEngagement(input: $b) {
    __typename ... on CreateEngagementSuccess { engagement { id } }
  }
}"""


def send(
    system: RunningSystem, query: str, variables: dict[str, Any], key: str | None, tok: str = ADMIN
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {tok}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    r = system.api.client.post(
        system.api.url + "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def engagement_input(unit_id: str, **overrides: str) -> dict[str, Any]:
    return {
        "unitId": unit_id,
        "serviceModes": ["ROVING"],
        "periodStart": "2027-01-01",
        "periodEnd": "2027-12-31",
        **overrides,
    }


def create(system: RunningSystem, unit_id: str, key: str | None, tok: str = ADMIN) -> Any:
    variables = {"input": engagement_input(unit_id)}
    return send(system, CREATE_ENGAGEMENT, variables, key, tok)["createEngagement"]


async def written(system: RunningSystem) -> tuple[int, int]:
    """Engagements stored, and events recorded by the engagement service."""
    return (
        await system.count("engagement", "select count(*) from engagement"),
        await system.count("engagement", "select count(*) from outbox"),
    )


@pytest.fixture
def unit_id(system: RunningSystem) -> str:
    created = system.api.create_unit(ADMIN)
    assert created["__typename"] == "CreateUnitSuccess", created
    return str(created["unit"]["id"])


async def test_a_retry_with_the_same_key_answers_the_first_answer_and_writes_nothing(
    system: RunningSystem, unit_id: str
):
    before = await written(system)
    key = str(new_id())
    first = create(system, unit_id, key)
    assert first["__typename"] == "CreateEngagementSuccess", first
    after_first = await written(system)
    assert after_first == (before[0] + 1, before[1] + 1)

    again = create(system, unit_id, key)

    assert again == first  # the same engagement, the same answer
    assert await written(system) == after_first  # no row, no event


async def test_without_a_key_or_with_another_key_the_mutation_runs_again(
    system: RunningSystem, unit_id: str
):
    before = await written(system)
    ids = {
        create(system, unit_id, None)["engagement"]["id"],
        create(system, unit_id, None)["engagement"]["id"],
        create(system, unit_id, str(new_id()))["engagement"]["id"],
        create(system, unit_id, str(new_id()))["engagement"]["id"],
    }
    assert len(ids) == 4
    assert (await written(system))[0] == before[0] + 4


async def test_a_key_is_the_callers_own(system: RunningSystem, unit_id: str):
    """The same key from another user of the same agency is another key."""
    key = str(new_id())
    alice = create(system, unit_id, key)
    bob = create(system, unit_id, key, ADMIN_BOB)
    assert bob["__typename"] == "CreateEngagementSuccess", bob
    assert bob["engagement"]["id"] != alice["engagement"]["id"]


async def test_a_key_reused_for_another_request_is_refused_and_writes_nothing(
    system: RunningSystem, unit_id: str
):
    key = str(new_id())
    create(system, unit_id, key)
    before = await written(system)

    other = send(
        system,
        CREATE_ENGAGEMENT,
        {"input": engagement_input(unit_id, periodEnd="2028-06-30")},
        key,
    )["createEngagement"]

    assert other["__typename"] == "ValidationError", other
    assert other["field"] == "idempotencyKey"
    assert other["message"] == "该幂等键已用于另一个请求，请为新请求使用新的幂等键"
    assert await written(system) == before


@pytest.mark.parametrize("key", ["", "x" * 129, "键", "a\tb"])
async def test_a_malformed_key_is_refused_and_writes_nothing(
    system: RunningSystem, unit_id: str, key: str
):
    before = await written(system)
    headers = {"authorization": f"Bearer {ADMIN}", "Idempotency-Key": key}
    # httpx sends str headers as ASCII; the non-ASCII key goes as its UTF-8 bytes.
    raw_headers = [(k.encode(), v.encode()) for k, v in headers.items()]
    r = system.api.client.post(
        system.api.url + "/graphql",
        json={"query": CREATE_ENGAGEMENT, "variables": {"input": engagement_input(unit_id)}},
        headers=raw_headers,
    )
    result = r.json()["data"]["createEngagement"]
    if key == "":
        # An empty header is no key: the mutation runs as without one.
        assert result["__typename"] == "CreateEngagementSuccess", result
        return
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "idempotencyKey"
    assert await written(system) == before


async def test_one_key_covers_each_mutation_of_a_request_by_its_alias(
    system: RunningSystem, unit_id: str
):
    key = str(new_id())
    variables = {
        "a": engagement_input(unit_id),
        "b": engagement_input(unit_id),  # the same input: the aliases tell them apart
    }
    before = await written(system)
    first = send(system, TWO_ENGAGEMENTS, variables, key)
    ids = {first["first"]["engagement"]["id"], first["second"]["engagement"]["id"]}
    assert len(ids) == 2
    assert (await written(system))[0] == before[0] + 2

    again = send(system, TWO_ENGAGEMENTS, variables, key)

    assert again == first
    assert (await written(system))[0] == before[0] + 2


async def test_concurrent_sends_of_one_key_create_once(system: RunningSystem, unit_id: str):
    """Five sends of one key at once (a client retrying while the first is in flight):
    one engagement, and every send answers with it."""
    key = str(new_id())
    before = await written(system)
    request = {"query": CREATE_ENGAGEMENT, "variables": {"input": engagement_input(unit_id)}}
    headers = {"authorization": f"Bearer {ADMIN}", "Idempotency-Key": key}
    async with httpx.AsyncClient(base_url=system.api.url, timeout=60) as client:
        replies = await asyncio.gather(
            *(client.post("/graphql", json=request, headers=headers) for _ in range(5))
        )
    results = [r.json()["data"]["createEngagement"] for r in replies]
    assert {r["__typename"] for r in results} == {"CreateEngagementSuccess"}, results
    assert len({r["engagement"]["id"] for r in results}) == 1
    assert await written(system) == (before[0] + 1, before[1] + 1)


async def test_a_refused_command_is_not_kept(system: RunningSystem, unit_id: str):
    """A command refused with a typed error wrote nothing, so its key keeps nothing:
    the same request may be sent again once the cause is fixed."""
    key = str(new_id())
    variables = {"input": engagement_input(unit_id, periodEnd="2026-01-01")}  # ends first
    refused = send(system, CREATE_ENGAGEMENT, variables, key)["createEngagement"]
    assert refused["__typename"] == "ValidationError", refused
    kept = await system.count(
        "engagement", "select count(*) from idempotency where key like :k", k=f"{key}|%"
    )
    assert kept == 0
