"""A page of engagements loads what its rows select before they resolve, so their fields
answer without awaiting (`gateway.engagement.prefetch`, `gateway.dataloaders.now_or_later`).
The NATS requests per query are counted in tests/e2e/test_api_nats_requests.py."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Sequence

import pytest
from graphql import FieldNode, FragmentDefinitionNode, OperationDefinitionNode, parse
from strawberry.dataloader import DataLoader

from gateway.dataloaders import now_or_later
from gateway.engagement.prefetch import selected_names


def names_below_first_field(query: str) -> frozenset[str]:
    doc = parse(query)
    [operation] = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    [field] = operation.selection_set.selections
    assert isinstance(field, FieldNode)
    return selected_names([field], fragments)


def test_names_below_the_connection_follow_fragments_once():
    query = """
    query { engagements(first: 5) { edges { node {
        id ...Row ... on Engagement { trace { seq } } } } } }
    fragment Row on Engagement { unit { name } ...Row }"""
    names = names_below_first_field(query)
    assert {"edges", "node", "id", "unit", "name", "trace", "seq"} <= names
    assert "latestScorecard" not in names


def test_names_outside_the_connection_do_not_count():
    doc = parse(
        "{ engagements(first: 5) { edges { node { id } } } units { edges { node { name } } } }"
    )
    [operation] = doc.definitions
    assert isinstance(operation, OperationDefinitionNode)
    first = operation.selection_set.selections[0]
    assert isinstance(first, FieldNode)
    assert selected_names([first], {}) == frozenset({"edges", "node", "id"})


async def _doubled(keys: Sequence[int]) -> list[int]:
    return [2 * k for k in keys]


async def _failing(keys: Sequence[int]) -> list[int]:
    raise RuntimeError("the service is down")


async def test_a_loaded_key_converts_at_once():
    loader = DataLoader(load_fn=_doubled)
    assert await loader.load_many([1, 2]) == [2, 4]
    assert now_or_later(loader, 2, lambda v: v + 1) == 5


async def test_a_key_not_loaded_yet_is_awaited_in_one_batch():
    calls: list[list[int]] = []

    async def recorded(keys: Sequence[int]) -> list[int]:
        calls.append(list(keys))
        return await _doubled(keys)

    loader = DataLoader(load_fn=recorded)
    pending = [now_or_later(loader, k, str) for k in (3, 4)]
    assert all(inspect.isawaitable(p) for p in pending)
    assert await asyncio.gather(*pending) == ["6", "8"]  # type: ignore[arg-type]
    assert calls == [[3, 4]]


async def test_a_conversion_that_awaits_is_awaited():
    loader = DataLoader(load_fn=_doubled)
    second = DataLoader(load_fn=_doubled)
    await loader.load(1)
    answer = now_or_later(loader, 1, lambda v: now_or_later(second, v, lambda w: w * 10))
    assert inspect.isawaitable(answer)
    assert await answer == 40
    later = now_or_later(DataLoader(load_fn=_doubled), 5, lambda v: now_or_later(second, v, str))
    assert await later == "20"  # type: ignore[misc]


async def test_a_failed_load_reaches_the_field_as_its_error():
    loader = DataLoader(load_fn=_failing)
    results = await asyncio.gather(loader.load(1), return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    answer = now_or_later(loader, 1, str)
    assert inspect.isawaitable(answer)
    with pytest.raises(RuntimeError, match="the service is down"):
        await answer
