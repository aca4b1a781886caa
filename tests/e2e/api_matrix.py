"""Operations generated from the served schema: arguments, inputs and selections.

`call(field)` builds a GraphQL document for any Query, Mutation or Subscription
field from its type alone: required arguments get a plausible literal (IDs of
the test world by name), the selection takes the leaves and a little of what is
under them. A new field therefore needs no hand-written query to be tested —
only an entry in the rule table saying who may call it.
"""

from __future__ import annotations

import json
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

SCALARS = {
    "String": '"x"',
    "Int": "1",
    "Float": "1.0",
    "Boolean": "false",
    "Date": '"2027-06-01"',
    "DateTime": '"2027-06-01T00:00:00Z"',
    "Decimal": '"1"',
    "JSON": "{}",
}
LEAVES_PER_TYPE = 6
IGNORED_FIELDS = {"pageInfo"}


def _required(arg_or_field: Any) -> bool:
    return isinstance(arg_or_field.type, GraphQLNonNull) and arg_or_field.default_value is Undefined


def literal(type_: Any, name: str, ids: dict[str, str]) -> str:
    if isinstance(type_, GraphQLNonNull):
        return literal(type_.of_type, name, ids)
    if isinstance(type_, GraphQLList):
        return f"[{literal(type_.of_type, name, ids)}]"
    if isinstance(type_, GraphQLInputObjectType):
        fields = [
            f"{n}: {literal(f.type, n, ids)}" for n, f in type_.fields.items() if _required(f)
        ]
        return "{" + ", ".join(fields) + "}"
    if isinstance(type_, GraphQLEnumType):
        return str(next(iter(type_.values)))
    if isinstance(type_, GraphQLScalarType) and type_.name == "ID":
        lowered = name.lower()
        key = next((k for k in ids if lowered.startswith(k)), "engagement")
        return json.dumps(ids[key])
    return SCALARS.get(type_.name, '"x"')


def selection(type_: Any, depth: int = 0) -> str:
    named = get_named_type(type_)
    if isinstance(named, GraphQLUnionType):
        parts = ["__typename"]
        for member in named.types:
            if any(i.name == "Error" for i in member.interfaces):
                continue
            member_leaves = [
                n
                for n, f in member.fields.items()
                if not isinstance(
                    get_named_type(f.type),
                    GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
                )
                and not f.args
            ][:3]
            if member_leaves:
                parts.append(f"... on {member.name} {{ {' '.join(member_leaves)} }}")
        if any(any(i.name == "Error" for i in m.interfaces) for m in named.types):
            parts.append("... on Error { code message }")
        return "{ " + " ".join(parts) + " }"
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return ""
    leaves: list[str] = []
    nested: list[str] = []
    for name, field in named.fields.items():
        if name in IGNORED_FIELDS or any(_required(a) for a in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            if len(leaves) < LEAVES_PER_TYPE:
                leaves.append(name)
        elif depth < 2 and len(nested) < 3:
            nested.append(f"{name} {selection(field.type, depth + 1)}")
    return "{ " + " ".join(["__typename", *leaves, *nested]) + " }"


def call(schema: GraphQLSchema, root: str, name: str, ids: dict[str, str]) -> str:
    root_type = schema.get_type(root)
    assert isinstance(root_type, GraphQLObjectType)
    field: GraphQLField = root_type.fields[name]
    # A bare `id` argument is of the type the field is named after (unit, scorecard).
    args = [
        f"{n}: {literal(a.type, name if n in ('id', 'ids') else n, ids)}"
        for n, a in field.args.items()
        if _required(a)
    ]
    if name == "_entities":
        args = [
            f'representations: [{{__typename: "Engagement", id: {json.dumps(ids["engagement"])}}}]'
        ]
    rendered = f"({', '.join(args)})" if args else ""
    keyword = root.lower()
    return f"{keyword} {{ {name}{rendered} {selection(field.type)} }}"


def has_data(value: Any) -> bool:
    """Whether a result carries anything a caller could learn from: denied reads are
    null, empty lists or empty pages; denied mutations are typed errors."""
    match value:
        case None:
            return False
        case list():
            return any(has_data(v) for v in value)
        case dict():
            if value.get("__typename", "").endswith(("NotFound", "NotAuthorized", "Error")):
                return False
            if "code" in value and "message" in value:
                return False
            return any(
                has_data(v)
                for k, v in value.items()
                if k not in {"__typename", "totalCount", "pageInfo"}
            ) or bool(value.get("totalCount"))
        case _:
            return True
