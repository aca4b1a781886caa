"""The resolvers' async helpers, without a reference cycle through the executor.

graphql-core 3.3's executor keeps `GraphQLResolveInfoHelpers(gather=self.gather_async_work,
track=self.track_async_work)`: two methods bound to itself. So every operation's executor
is in a reference cycle, and with it all it holds — the context (the request, the
response, the service clients, the authorizer), the variables, the collected fields:
about a hundred objects per createEngagement that reference counting cannot free. They wait for
the cyclic collector, whose young collections then walk and free tens of thousands of
them at a time: 11-14 % of the gateway process's CPU at 32 clients (py-spy,
docs/BENCHMARKS.md §17, "Ninth round: the gateway's execution of a mutation").

Here the same two methods, graphql-core's own, are bound to a small object holding only
what they read: the executor's awaitable test and its set of background futures (one
set, shared by the executor and its sub-executors). `gather` reads nothing of its
executor. The executor, freed of the cycle, goes when its operation is done;
what a resolver tracks still settles in the same set, for as long as anything holds it.
tests/gateway/test_async_helpers.py catches a graphql-core whose methods read more.
"""

from __future__ import annotations

from asyncio import Future
from collections.abc import Callable
from typing import Any, cast

from graphql import GraphQLResolveInfoHelpers
from graphql.execution.executor import Executor


class BackgroundWork:
    """The part of an executor that `track_async_work` and `gather_async_work` use."""

    __slots__ = ("background_futures", "is_awaitable")

    # graphql-core's code, unchanged: it reads `is_awaitable` and `background_futures`.
    track_async_work = Executor.track_async_work
    settle_in_background = Executor.settle_in_background
    gather_async_work = Executor.gather_async_work

    def __init__(
        self, is_awaitable: Callable[[Any], bool], background_futures: set[Future[Any]]
    ) -> None:
        self.is_awaitable = is_awaitable
        self.background_futures = background_futures


def acyclic_helpers(
    is_awaitable: Callable[[Any], bool], background_futures: set[Future[Any]]
) -> GraphQLResolveInfoHelpers:
    """An executor's `async_helpers`, from its awaitable test and background futures."""
    # It stands in for the executor in graphql-core's methods (what they read, it has).
    work = cast(Executor[Any], BackgroundWork(is_awaitable, background_futures))
    return GraphQLResolveInfoHelpers(gather=work.gather_async_work, track=work.track_async_work)
