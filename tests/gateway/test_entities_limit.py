"""Federation `_entities` takes at most 100 representations, like `nodes` takes 100
ids: the cost limit counts a variable list at that maximum, so a longer one is
refused with a typed error before any entity is looked up."""

from __future__ import annotations

from typing import Any

from gateway.federation import MAX_ENTITIES
from tests.gateway.conftest import AppClient

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Unit { name } } }"


def representations(count: int) -> list[dict[str, Any]]:
    # Malformed ids resolve to null without a service request (none runs here).
    return [{"__typename": "Unit", "id": f"not-a-unit-{i}"} for i in range(count)]


async def test_entities_with_101_representations_are_refused_as_a_validation_error(
    gateway_client: AppClient,
):
    async with gateway_client() as client:
        at_most = await client.post(
            "/graphql",
            json={"query": ENTITIES, "variables": {"r": representations(MAX_ENTITIES)}},
        )
        above = await client.post(
            "/graphql",
            json={"query": ENTITIES, "variables": {"r": representations(MAX_ENTITIES + 1)}},
        )
    assert MAX_ENTITIES == 100
    assert at_most.json() == {"data": {"_entities": [None] * 100}}
    [error] = above.json()["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["path"] == ["_entities"]
    assert "100" in error["message"]
    assert above.json()["data"] is None


async def test_a_representation_that_is_not_an_entity_object_is_a_validation_error(
    gateway_client: AppClient,
):
    malformed: list[Any] = [1, "Unit", None, [], {}, {"__typename": 5}, {"id": "x"}]
    async with gateway_client() as client:
        answers = [
            await client.post("/graphql", json={"query": ENTITIES, "variables": {"r": [bad]}})
            for bad in malformed
        ]
    for bad, answer in zip(malformed, answers, strict=True):
        body = answer.json()
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        assert codes == ["VALIDATION_FAILED"], (bad, body)
        if bad is not None:  # null is refused by GraphQL itself ([_Any!]!)
            refused = "每个实体须是带 __typename 字符串的对象"
            assert body["errors"][0]["message"] == refused, (bad, body)
