"""The resolvers' async helpers without a reference cycle (`gateway.async_helpers`): they
do what graphql-core's do, and a mutation's objects are freed by reference counting."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import strawberry
from graphql.execution.executor import Executor
from graphql.pyutils import is_awaitable
from strawberry.types import Info

# The mutation bench's ASGI call, as a server makes it: no HTTP client in between, whose
# own objects the garbage check would count.
from bench.gateway_mutation import _asgi_post
from gateway.async_helpers import BackgroundWork, acyclic_helpers
from gateway.context import Context
from gateway.execution import PlainFieldExecution, execute_plain_fields
from kit.reply_structs import struct_replies
from kit.rpc import RpcClient
from tests.gateway.stand_ins import AnsweringNats
from tests.gateway.test_post_route import CASES, CREATED, gateway

# What graphql-core's three methods read (attributes, globals, methods), as of 3.3.2: a
# release that reads more of the executor must be checked against `BackgroundWork`.
READS = {
    "track_async_work": {"is_awaitable", "settle_in_background"},
    "settle_in_background": {
        "get_running_loop",
        "RuntimeError",
        "iscoroutine",
        "close",
        "gather",
        "background_futures",
        "add",
        "add_done_callback",
        "discard",
    },
    "gather_async_work": {"gather_with_cancel"},
}


def test_graphql_cores_methods_read_what_background_work_holds() -> None:
    for name, reads in READS.items():
        method = getattr(Executor, name)
        assert set(method.__code__.co_names) == reads, name
        assert getattr(BackgroundWork, name) is method


async def test_track_settles_awaitables_in_the_shared_set() -> None:
    futures: set[Any] = set()
    helpers = acyclic_helpers(is_awaitable, futures)
    ran: list[str] = []

    async def work(name: str) -> None:
        ran.append(name)
        raise RuntimeError(name)  # observed, not raised: as graphql-core settles it

    helpers.track([work("a"), 1, None, work("b")])
    assert len(futures) == 1
    await asyncio.gather(*futures)
    await asyncio.sleep(0)  # the done callback
    assert ran == ["a", "b"]
    assert not futures
    helpers.track([1, "x"])
    assert not futures


async def test_gather_awaits_together_and_cancels_the_rest_on_failure() -> None:
    helpers = acyclic_helpers(is_awaitable, set())

    async def value(v: int) -> int:
        await asyncio.sleep(0)
        return v

    assert await helpers.gather([value(1), value(2)]) == [1, 2]
    cancelled = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def failing() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        await helpers.gather([slow(), failing()])
    assert cancelled.is_set()


@strawberry.type
class Query:
    @strawberry.field
    async def total(self, info: Info[Any, None]) -> int:
        helpers = info._raw_info.async_helpers
        tracked = asyncio.Event()

        async def mark() -> None:
            tracked.set()

        async def one(v: int) -> int:
            return v

        helpers.track([mark()])
        values = await helpers.gather([one(1), one(2), one(3)])
        await tracked.wait()
        return sum(values)


async def test_resolvers_get_the_helpers_from_the_gateways_executor() -> None:
    schema = strawberry.Schema(query=Query)
    execute_plain_fields(schema)
    assert issubclass(schema.execution_context_class, PlainFieldExecution)
    result = await schema.execute("{ total }")
    assert result.errors is None
    assert result.data == {"total": 6}


@contextmanager
def garbage_kept() -> Iterator[list[Any]]:
    """What the cyclic collector finds of what the block allocates."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    found: list[Any] = []
    try:
        yield found
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize(
    "reply",
    [
        CREATED,
        b'{"ok":false,"error":{"code":"unit_not_found","message":"no such unit",'
        b'"field":"unit_id","details":{}}}',
    ],
    ids=["created", "unit not found"],
)
async def test_a_mutation_leaves_nothing_to_the_cyclic_collector(
    tmp_path: Path, reply: bytes
) -> None:
    case = CASES["success"]
    headers = [(k.encode(), v.encode()) for k, v in case["headers"].items()]

    async def served(app: Any) -> AsyncIterator[bytes]:
        for _ in range(3):
            status, _, body = await _asgi_post(app, "/graphql", case["content"], headers)
            assert status == 200
            yield body

    async with gateway(tmp_path, True) as app:
        app.state.gateway.rpc = RpcClient(AnsweringNats(reply), decode=struct_replies)  # type: ignore[arg-type]
        [body async for body in served(app)]  # warmed up: caches filled
        for _ in range(3):  # the start-up tasks `gateway` cancelled finish outside the count
            await asyncio.sleep(0)
        with garbage_kept() as garbage:
            bodies = [body async for body in served(app)]
    assert b"CreateEngagementSuccess" in bodies[0] or b"UnitNotFound" in bodies[0]
    kept = [o for o in garbage if isinstance(o, PlainFieldExecution | Context)]
    assert kept == []
    assert garbage == []
