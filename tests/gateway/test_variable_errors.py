"""A variable whose value does not fit its type is the caller's bad input: a
VALIDATION_FAILED error naming the variable, never a masked INTERNAL error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.conftest import AppClient

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("query($id: ID!) { node(id: $id) { id } }", {"id": None}, "$id"),
    ("query($id: ID!) { node(id: $id) { id } }", {}, "$id"),
    (
        "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        {"r": [None]},
        "$r",
    ),
    (
        "query($f: Int) { units(first: $f) { totalCount } }",
        {"f": "many"},
        "$f",
    ),
]


@pytest.mark.parametrize(("query", "variables", "name"), CASES)
async def test_a_variable_that_does_not_coerce_is_a_validation_error(
    gateway_client: AppClient, query: str, variables: dict[str, Any], name: str
):
    async with gateway_client() as client:
        answer = await client.post("/graphql", json={"query": query, "variables": variables})
    body = answer.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED", body
    assert f"Variable '{name}'" in error["message"], body
    assert body.get("data") is None
