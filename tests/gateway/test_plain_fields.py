"""Plain fields (`gateway.execution`) and direct resolvers (`gateway.direct_resolvers`):
the same answers and the same errors as strawberry's own execution, field by field, on
a schema that has every case; and the gateway schema's fields on each path."""

from __future__ import annotations

import asyncio
import enum
from typing import Any, cast

import pytest
import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry import relay
from strawberry.permission import BasePermission
from strawberry.types import Info

from gateway.direct_resolvers import resolve_directly
from gateway.execution import PlainFieldExecution, PlainFields, execute_plain_fields
from gateway.schema import build_schema


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class OnlyAdmins(BasePermission):
    message = "admins only"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(info.context.get("admin"))


class Ready:
    """An awaitable held as an attribute's value (not a coroutine: unawaited, it is
    simply dropped)."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __await__(self) -> Any:
        yield from asyncio.sleep(0).__await__()
        return self.value


@strawberry.input
class Shade:
    colour: Colour
    depth: int = 1


@strawberry.type
class Row:
    name: str
    nickname: str | None
    colour: Colour
    count: int
    # A value the serializer refuses, an exception and an awaitable held as data.
    broken_count: int | None
    failure: str | None
    pending: str
    secret: str | None = strawberry.field(default="s", permission_classes=[OnlyAdmins])
    tags: list[str] = strawberry.field(default_factory=list)

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def greet(self, info: Info, greeting: str = "hi", loud_too: bool = False) -> str:
        text = f"{greeting} {self.name} {info.context['who']}"
        return text.upper() if loud_too else text

    @strawberry.field
    async def later(self, root: Row) -> str:
        await asyncio.sleep(0)
        return f"later {root.name}"

    @strawberry.field
    def tinted(self, shade: Shade, parent: strawberry.Parent[Row]) -> str:
        return f"{parent.name} {shade.colour.value} {shade.depth}"

    @strawberry.field
    def refuse(self) -> str:
        raise ValueError("refused by the resolver")

    @strawberry.field
    @classmethod
    def kind(cls) -> str:
        return cls.__name__


def rows() -> list[Row]:
    return [
        Row(
            name="a",
            nickname=None,
            colour=Colour.RED,
            count=1,
            broken_count=None,
            failure=None,
            pending=Ready("p"),  # type: ignore[arg-type]
            tags=["x"],
        ),
        Row(
            name=None,  # type: ignore[arg-type]  # a null where the schema says non-null
            nickname="bee",
            colour="purple",  # type: ignore[arg-type]  # not a member of the enum
            count=2,
            broken_count="many",  # type: ignore[arg-type]
            failure=ValueError("held as data"),  # type: ignore[arg-type]
            pending=Ready("q"),  # type: ignore[arg-type]
        ),
    ]


@strawberry.type
class Thing(relay.Node):
    """A relay node on strawberry's defaults: its `id` is encoded on the short path."""

    code: relay.NodeID[str]
    name: str


class SpecialThing(Thing):
    """Not the node's own class (strawberry reads it with this class's methods)."""

    @classmethod
    def resolve_id(cls, root: Any, *, info: Info) -> str:
        return f"special-{root.code}"


@strawberry.type
class Custom(relay.Node):
    """Its own `resolve_id`: strawberry's resolver runs."""

    key: relay.NodeID[str]

    @classmethod
    def resolve_id(cls, root: Any, *, info: Info) -> str:
        return f"custom-{root.key}"


def things() -> list[Thing]:
    return [
        Thing(code="a", name="first"),
        SpecialThing(code="b", name="special"),
        Thing(code=None, name="no id"),  # type: ignore[arg-type]
        Thing(code=7, name="an int"),  # type: ignore[arg-type]
        Thing(code="中文 id", name="wide"),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return rows()

    @strawberry.field
    def things(self) -> list[Thing | None]:
        return things()  # type: ignore[return-value]

    @strawberry.field
    def customs(self) -> list[Custom]:
        return [Custom(key="k")]

    @strawberry.field
    def maybe_rows(self) -> list[Row | None]:
        return rows()  # type: ignore[return-value]


def toy_schema(*, fast: bool) -> strawberry.Schema:
    schema = strawberry.Schema(query=Query)
    if fast:
        resolve_directly(schema)
        execute_plain_fields(schema)
    return schema


QUERIES = [
    "{ rows { name } }",
    "{ maybeRows { name nickname count } }",
    "{ maybeRows { nickname colour } }",
    "{ maybeRows { count brokenCount failure } }",
    "{ maybeRows { pending nickname } }",
    "{ rows { count n: nickname nickname ...F } } fragment F on Row { count tags }",
    '{ rows { kind shout greet g2: greet(greeting: "yo", loudToo: true) later } }',
    "{ rows { tinted(shade: {colour: GREEN}) t2: tinted(shade: {colour: RED, depth: 3}) } }",
    "{ rows { count refuse } }",
    "{ rows { count secret } }",
    "{ rows { __typename count } }",
    "query($skip: Boolean!) { rows { count nickname @skip(if: $skip) } }",
    "{ things { id name } }",
    "{ things { name again: id id } customs { id } }",
    "{ things { ... on Node { id } ... on Thing { code: id } } }",
]


def as_comparable(result: Any) -> dict[str, Any]:
    return {
        "data": result.data,
        "errors": errors_of(result),
    }


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("admin", [False, True])
async def test_the_same_answers_and_errors_as_strawberry(query: str, admin: bool):
    context = {"who": "me", "admin": admin}
    variables = {"skip": False}
    slow = await toy_schema(fast=False).execute(
        query, context_value=context, variable_values=variables
    )
    fast = await toy_schema(fast=True).execute(
        query, context_value=context, variable_values=variables
    )
    assert as_comparable(fast) == as_comparable(slow)


def errors_of(result: Any) -> list[tuple[str, tuple[Any, ...]]]:
    return sorted((e.message, tuple(e.path or ())) for e in result.errors or [])


async def test_exact_values_and_errors_on_the_short_path():
    schema = toy_schema(fast=True)
    result = await schema.execute("{ maybeRows { nickname count brokenCount name } }")
    assert result.data == {
        "maybeRows": [
            {"nickname": None, "count": 1, "brokenCount": None, "name": "a"},
            None,  # its non-null `name` was null: the row is null, as the spec says
        ]
    }
    assert errors_of(result) == [
        ("Cannot return null for non-nullable field Row.name.", ("maybeRows", 1, "name")),
        ("Int cannot represent non-integer value: 'many'", ("maybeRows", 1, "brokenCount")),
    ]
    result = await schema.execute("{ maybeRows { colour } }")
    assert result.data == {"maybeRows": [{"colour": "RED"}, None]}
    assert errors_of(result) == [
        ("Enum 'Colour' cannot represent value: 'purple'", ("maybeRows", 1, "colour"))
    ]


async def test_a_permission_class_still_refuses_on_the_fast_schema():
    schema = toy_schema(fast=True)
    denied = await schema.execute("{ rows { count secret } }", context_value={"admin": False})
    assert denied.data == {"rows": [{"count": 1, "secret": None}, {"count": 2, "secret": None}]}
    assert errors_of(denied) == [
        ("admins only", ("rows", 0, "secret")),
        ("admins only", ("rows", 1, "secret")),
    ]
    allowed = await schema.execute("{ rows { count secret } }", context_value={"admin": True})
    assert allowed.errors is None
    assert allowed.data == {"rows": [{"count": 1, "secret": "s"}, {"count": 2, "secret": "s"}]}


async def test_exact_relay_ids_on_the_short_path():
    result = await toy_schema(fast=True).execute("{ things { id } customs { id } }")
    assert result.data == {
        "things": [
            {"id": "VGhpbmc6YQ=="},  # base64("Thing:a")
            {"id": "VGhpbmc6c3BlY2lhbC1i"},  # base64("Thing:special-b"): its class's own
            None,  # no id: strawberry's resolver fails the field
            {"id": "VGhpbmc6Nw=="},  # base64("Thing:7"): strawberry's str()
            {"id": "VGhpbmc65Lit5paHIGlk"},  # base64("Thing:中文 id"), UTF-8
        ],
        "customs": [{"id": "Q3VzdG9tOmN1c3RvbS1r"}],  # base64("Custom:custom-k")
    }
    assert errors_of(result) == [("", ("things", 2, "id"))]
    plain = _plain(toy_schema(fast=True))
    assert plain["Thing"]["id"].node is Thing
    assert plain["Thing"]["id"].attribute == "code"
    assert "id" not in plain.get("Custom", {})


def _fields(schema: strawberry.Schema, type_name: str) -> dict[str, GraphQLField]:
    type_ = schema._schema.type_map[type_name]
    assert isinstance(type_, GraphQLObjectType)
    return dict(type_.fields)


def _plain(schema: strawberry.Schema) -> PlainFields:
    execution = schema.execution_context_class
    assert issubclass(execution, PlainFieldExecution)
    return cast(type[PlainFieldExecution], execution).plain_fields


def test_which_fields_take_which_path():
    schema = toy_schema(fast=True)
    # Leaves without a resolver, an extension or arguments: attribute reads.
    assert set(_plain(schema)["Row"]) == {
        "name",
        "nickname",
        "colour",
        "count",
        "brokenCount",
        "failure",
        "pending",
    }
    fields = _fields(schema, "Row")
    # A permission class is a field extension: strawberry's wrapper runs it.
    assert getattr(fields["secret"].resolve, "__name__", None) == "_resolver"
    for name in ("shout", "greet", "later", "tinted", "refuse", "kind"):
        assert getattr(fields[name].resolve, "__name__", None) == "resolve", name


def test_the_gateway_schema_keeps_its_checks_in_its_resolvers():
    schema = build_schema()
    plain = _plain(schema)
    # The dashboard's row data: attribute reads.
    assert {"stage", "periodStart", "periodEnd"} <= set(plain["Engagement"])
    assert {"name", "uscc", "regionCode"} <= set(plain["Unit"])
    assert {"seq", "eventType", "actor", "occurredAt"} <= set(plain["TraceEntry"])
    assert {"status", "periodLabel", "total", "grade"} <= set(plain["Scorecard"])
    # A node's id is encoded on the short path; it asks no one.
    for type_name in ("Engagement", "Unit", "Scorecard"):
        assert plain[type_name]["id"].node is not None, type_name
    # Fields that ask the authorizer are resolvers, never attribute reads.
    engagement = _fields(schema, "Engagement")
    for name in ("unit", "trace", "latestScorecard", "feeTerms", "listItems"):
        assert name not in plain["Engagement"]
        assert getattr(engagement[name].resolve, "__name__", None) == "resolve", name
