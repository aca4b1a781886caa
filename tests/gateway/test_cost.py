"""The static cost estimate: lists multiply what is under them, by the page asked for."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse

from gateway.protection.cost import DEFAULT_LIST_SIZE, operation_cost
from gateway.schema import build_schema

SCHEMA = build_schema()._schema


def cost(query: str) -> int:
    document = parse(query)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if d is not operation}  # type: ignore[attr-defined]
    return operation_cost(SCHEMA, operation, fragments, page_ceiling=100)


def test_one_object_costs_a_field_each():
    assert cost('{ engagement(id: "x") { id stage unit { name } } }') == 5


def test_a_page_multiplies_by_first_and_edges_are_not_counted_twice():
    query = "{ engagements(first: 50) { totalCount edges { node { id stage } } } }"
    assert cost(query) == 1 + 50 * (1 + 1 + (1 + 2))


def test_a_variable_page_counts_as_the_largest_page():
    assert cost("query($n: Int) { units(first: $n) { edges { node { name } } } }") == 1 + 100 * 3


def test_lists_without_a_page_count_as_default_list_size():
    assert cost('{ engagement(id: "x") { trace { seq } } }') == 1 + (1 + DEFAULT_LIST_SIZE)


def test_fragments_count_like_inline_fields():
    inline = cost("{ units(first: 10) { edges { node { name uscc } } } }")
    spread = cost(
        "query { units(first: 10) { edges { node { ...U } } } } fragment U on Unit { name uscc }"
    )
    assert inline == spread


@pytest.mark.parametrize(("limit", "refused"), [(10_000, False), (100, True)])
async def test_the_limit_refuses_during_validation(limit: int, refused: bool):
    schema = build_schema(max_cost=limit)
    result = await schema.execute("{ units(first: 50) { edges { node { name } } } }")
    codes = [(e.extensions or {}).get("code") for e in result.errors or []]
    assert ("COST_LIMIT_EXCEEDED" in codes) is refused
