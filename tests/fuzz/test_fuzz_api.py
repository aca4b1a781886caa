"""Every query field and mutation of the served schema, driven with generated inputs
(hypothesis-graphql) over HTTP against the running system, as four callers: anonymous,
another tenant, the same tenant without the permission, and permitted.

Whatever comes in, the answer is never a server fault: no HTTP 5xx, no error with code
INTERNAL (a masked exception). A mutation that was refused — an error member of its
result union, a GraphQL error, or null — leaves the row counts of every table of every
service as they were.

The slice run by `make test` is bounded and deterministic (derandomized, a fixed number
of examples per operation and caller); `make fuzz` runs the same with more examples
(ECOHOST_FUZZ_EXAMPLES). The operations come from the schema, so a new query field or
mutation is fuzzed without a line here, and a custom scalar without a strategy fails
`test_every_custom_scalar_has_a_strategy`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, cast

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries

from gateway.schema import schema as served
from tests.e2e.harness import RunningSystem
from tests.fuzz.documents import Request, request
from tests.fuzz.rowcounts import RowCounts
from tests.fuzz.scalars import custom_scalars
from tests.fuzz.tally import TALLY
from tests.fuzz.world import CALLERS, World

SCHEMA = served._schema
EXPORTED = graphql.build_schema(
    (Path(__file__).parents[2] / "schema.graphql").read_text(), assume_valid_sdl=True
)
EXAMPLES = int(os.environ.get("ECOHOST_FUZZ_EXAMPLES", "3"))
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}
MASKED = ("internal error", "Unexpected error")


def root_fields(schema: graphql.GraphQLSchema, root: str) -> list[str]:
    type_ = schema.get_type(root)
    return [f"{root}.{name}" for name in cast(graphql.GraphQLObjectType, type_).fields]


OPERATIONS = root_fields(SCHEMA, "Query") + root_fields(SCHEMA, "Mutation")
# ECOHOST_FUZZ_OPERATIONS=Query.units,Mutation.createUnit narrows a run to a few (to
# reproduce a finding); unset, every operation is fuzzed.
SELECTED = [
    op for op in os.environ.get("ECOHOST_FUZZ_OPERATIONS", "").split(",") if op
] or OPERATIONS


def input_scalars(schema: graphql.GraphQLSchema) -> set[str]:
    """The scalars an operation's arguments take, directly or inside input objects."""
    seen: set[str] = set()
    pending = [
        arg.type
        for root in ("Query", "Mutation")
        for field in cast(graphql.GraphQLObjectType, schema.get_type(root)).fields.values()
        for arg in field.args.values()
    ]
    while pending:
        named = graphql.get_named_type(pending.pop())
        if named.name in seen:
            continue
        seen.add(named.name)
        if isinstance(named, graphql.GraphQLInputObjectType):
            pending += [f.type for f in named.fields.values()]
    return {n for n in seen if isinstance(schema.get_type(n), graphql.GraphQLScalarType)}


def test_every_custom_scalar_has_a_strategy():
    # hypothesis-graphql leaves out an optional argument of a scalar it cannot make and
    # fails on a required one: either way part of an operation would go unfuzzed.
    custom = input_scalars(SCHEMA) - BUILT_IN
    assert custom == {"Date", "DateTime", "Decimal", "JSON", "Time", "_Any"}
    assert sorted(custom - set(custom_scalars([]))) == []


def test_the_served_schema_is_the_exported_one():
    # The fuzzer drives the operations of the schema the gateway serves; the exported
    # file must name the same ones, or the fuzzed set would not be the published API.
    assert root_fields(EXPORTED, "Query") + root_fields(EXPORTED, "Mutation") == OPERATIONS


def strategy(operation: str, scalars: dict[str, Any]) -> st.SearchStrategy[Request]:
    """Documents for one root field, sent with inline arguments or with variables."""
    root, name = operation.split(".")
    make = queries if root == "Query" else mutations
    documents = make(
        SCHEMA, fields=[name], custom_scalars=scalars, print_ast=lambda d: d, codec="utf-8"
    )
    return st.builds(partial(request, SCHEMA), documents, st.booleans())


@pytest.fixture(scope="module")
def row_counts(fuzz_system: RunningSystem) -> Iterator[RowCounts]:
    counts = RowCounts(fuzz_system.database_urls)
    yield counts
    counts.close()


def refused(data: dict[str, Any] | None) -> bool:
    """No root field of the mutation succeeded: each is null (an error, or not found)
    or a union member other than a *Success. An error further down, in a field selected
    under a success, does not undo the success."""
    return not any(
        isinstance(v, dict) and str(v.get("__typename", "")).endswith("Success")
        for v in (data or {}).values()
    )


def faults(response: httpx.Response) -> list[str]:
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}: {response.text[:500]}"]
    try:
        body = response.json()
    except ValueError:
        return [f"HTTP {response.status_code}, not JSON: {response.text[:500]}"]
    return [
        f"{e.get('message')} {e.get('extensions')} at {e.get('path')}"
        for e in body.get("errors") or []
        if (e.get("extensions") or {}).get("code") == "INTERNAL"
        or any(m in str(e.get("message")) for m in MASKED)
    ]


class Driver:
    def __init__(self, system: RunningSystem, world: World, counts: RowCounts) -> None:
        self.client = system.api.client
        self.url = system.api.url + "/graphql"
        self.world = world
        self.counts = counts
        self.scalars = custom_scalars(world.ids)

    def send(self, operation: str, caller: str, sent: Request) -> None:
        token = self.world.token(operation, caller)
        headers = {"authorization": f"Bearer {token}"} if token else {}
        mutation = operation.startswith("Mutation.")
        before = self.counts.snapshot() if mutation else None
        response = self.client.post(self.url, json=sent.json(), headers=headers)
        TALLY.cases[caller] += 1
        TALLY.operations.add(operation)
        TALLY.sent.setdefault(caller, set()).add(operation)
        found = faults(response)
        assert not found, f"{operation} as {caller}: {found}\n{sent}"
        if not mutation:
            TALLY.outcomes["query"] += 1
            return
        body = response.json()
        if refused(body.get("data")):
            TALLY.outcomes["mutation refused"] += 1
            after = self.counts.snapshot()
            assert before is not None
            changed = {k: (before.get(k), n) for k, n in after.items() if before.get(k) != n}
            assert changed == {}, (
                f"{operation} as {caller} was refused but wrote: {changed}\n{sent}\n{body}"
            )
        else:
            TALLY.outcomes["mutation succeeded"] += 1
            self.counts.settled()  # its events are consumed before the next snapshot

    def fuzz(self, operation: str, caller: str) -> None:
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(sent=strategy(operation, self.scalars))
        def drive(sent: Request) -> None:
            self.send(operation, caller, sent)

        drive()


@pytest.fixture(scope="module")
def driver(fuzz_system: RunningSystem, world: World, row_counts: RowCounts) -> Driver:
    row_counts.settled()  # the world's own events are consumed first
    return Driver(fuzz_system, world, row_counts)


@pytest.mark.timeout(300 + EXAMPLES * len(OPERATIONS))  # a long run (make fuzz) takes long
@pytest.mark.parametrize("caller", CALLERS)
def test_fuzz_every_operation(driver: Driver, caller: str):
    failures: dict[str, str] = {}
    for operation in SELECTED:
        try:
            driver.fuzz(operation, caller)
        except AssertionError as e:  # report every operation's failure, not the first
            failures[operation] = str(e)
    assert not failures, "\n\n".join(f"{op}: {why}" for op, why in failures.items())
    # Every query field and mutation of the schema was sent, at least once, as this caller.
    assert TALLY.sent[caller] == set(SELECTED)
