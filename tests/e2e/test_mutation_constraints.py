"""Every mutation of the served schema, driven with inputs that break its constraints.

For each field of each mutation's input (nested inputs and list elements too), the
test sends values a request contract refuses: empty and blank strings, strings far
too long, empty and oversized lists, negative, zero and huge numbers, malformed and
wrongly typed IDs, dates at the edges of the calendar. Whatever the contract declares,
the answer must be a member of the mutation's result union (a typed error, or a
success where the value is allowed) — never an INTERNAL error in `errors`.

The values come from the GraphQL types alone, so a new mutation or input field is
covered without a line here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

from gateway.schema import schema as served
from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, new_uscc, token
from tests.e2e.test_api_authorization_matrix import RULES, Public, Rule

SCHEMA = served._schema
AGENCY = str(new_id())
MUTATION = cast(GraphQLObjectType, SCHEMA.get_type("Mutation"))
TOO_LONG = "长" * 5000
OVERSIZED_LIST = 1001

# Plausible values for fields whose contract checks more than the type, so that a
# variant breaks only the field it is about.
PLAUSIBLE: dict[str, Callable[[], str]] = {
    "uscc": new_uscc,
    "agencyUscc": new_uscc,  # inviteAgency: an agency's 统一社会信用代码
    "industryCode": lambda: "C2614",
    "catalogueCode": lambda: "6.1.5",
    "code": lambda: "A.3.01",
    "itemCode": lambda: "二.3",
    "sha256": lambda: "0" * 64,
    "contentType": lambda: "application/pdf",
    "filename": lambda: "report.pdf",
    # importUnits: an import file with the template's header and no rows.
    "fileName": lambda: "units.csv",
    "contentBase64": lambda: base64.b64encode(
        "单位名称,统一社会信用代码,行业代码,详细地址\n".encode()
    ).decode(),
}
SCALARS: dict[str, Any] = {
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Date": "2027-06-01",
    "DateTime": "2027-06-01T00:00:00Z",
    "Decimal": "1",
}


def _global_id(type_name: str, raw: str) -> str:
    return base64.b64encode(f"{type_name}:{raw}".encode()).decode()


def hostile(type_: Any, valid: Any) -> list[Any]:
    """Values of this GraphQL type that a contract may refuse (GraphQL accepts them)."""
    if isinstance(type_, GraphQLNonNull):
        return hostile(type_.of_type, valid)
    if isinstance(type_, GraphQLList):
        element = valid[0] if valid else None
        return [[], [element] * OVERSIZED_LIST] if element is not None else [[]]
    if not isinstance(type_, GraphQLScalarType):
        return []  # enums and booleans have no constraint beyond their type
    match type_.name:
        case "String":
            return ["", "   ", TOO_LONG]
        case "ID":
            return ["", "not-an-id", _global_id("Unit", str(new_id())), _global_id("X", "y")]
        case "Int":
            return [-1, 0, 2**31 - 1]
        case "Float":
            return [-1.0, 0.0, 1e308]
        case "Decimal":
            return ["-1", "0", "0.001", "1e30", "NaN", "-Infinity"]
        case "Date":
            return ["0001-01-01", "9999-12-31"]
        case "DateTime":
            return ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]
    return []


def valid(type_: Any, name: str, ids: dict[str, str]) -> Any:
    """An input's required fields with plausible values (IDs of the test world)."""
    if isinstance(type_, GraphQLNonNull):
        return valid(type_.of_type, name, ids)
    if isinstance(type_, GraphQLList):
        return [valid(type_.of_type, name, ids)]
    if isinstance(type_, GraphQLInputObjectType):
        return {
            n: valid(f.type, n, ids)
            for n, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if type_.name == "ID":
        return next((v for k, v in ids.items() if name.lower().startswith(k)), ids["engagement"])
    if name in PLAUSIBLE:
        return PLAUSIBLE[name]()
    return SCALARS.get(type_.name, "x")


def variants(
    type_: Any, value: dict[str, Any], ids: dict[str, str], path: str = "", depth: int = 0
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field path, input) with one field of `value` (an input object) made hostile."""
    for name, field in type_.fields.items():
        here = f"{path}{name}"
        current = value.get(name, valid(field.type, name, ids))
        for bad in hostile(field.type, current):
            yield here, {**value, name: bad}
        inner = get_named_type(field.type)
        if not isinstance(inner, GraphQLInputObjectType) or depth >= 3:
            continue
        # A list whether it is required or not (`[X!]!` and `[X!]`).
        listed = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        is_list = isinstance(listed, GraphQLList)
        element = (current[0] if current else valid(inner, name, ids)) if is_list else current
        for sub_path, bad_element in variants(inner, element, ids, f"{here}.", depth + 1):
            yield sub_path, {**value, name: [bad_element] if is_list else bad_element}


def document(name: str, input_type: str) -> str:
    return (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename "
        "... on Error { code message } ... on ValidationError { field } } }"
    )


def mutations_with_input() -> list[str]:
    return [n for n, f in MUTATION.fields.items() if "input" in f.args]


def test_every_mutation_without_input_is_known():
    # A mutation without input has nothing to violate; say so when one appears.
    assert sorted(set(MUTATION.fields) - set(mutations_with_input())) == [
        "createCheckpoint",
        "issueCalendarFeed",
    ]


@pytest.fixture(scope="module")
def world(system: RunningSystem) -> dict[str, Any]:
    admin = token(f"agency:{AGENCY}", "agency_admin")
    unit = system.api.create_unit(admin, name="约束测试单位")["unit"]
    engagement = system.api.create_engagement(admin, unit["id"])["engagement"]
    eventually(lambda: system.api.settled(admin, engagement["id"]))
    unit_uuid = base64.b64decode(unit["id"]).decode().split(":", 1)[1]
    return {
        "ids": {
            "unit": unit["id"],
            "engagement": engagement["id"],
            "scorecard": _global_id("Scorecard", str(new_id())),
        },
        "tenants": {"agency": f"agency:{AGENCY}", "unit": f"unit:{unit_uuid}"},
    }


@pytest.mark.parametrize("name", mutations_with_input())
def test_broken_constraints_are_typed_errors(
    system: RunningSystem, world: dict[str, Any], name: str
):
    rule = RULES[f"Mutation.{name}"]
    assert isinstance(rule, Rule | Public)
    # A public mutation (answerSurvey) is called as its callers call it: anonymously.
    caller = None if isinstance(rule, Public) else token(world["tenants"][rule.kind], rule.role)
    field = MUTATION.fields[name]
    input_type = get_named_type(field.args["input"].type)
    assert isinstance(input_type, GraphQLInputObjectType)
    union = get_named_type(field.type)
    assert isinstance(union, GraphQLUnionType)
    members = {m.name for m in union.types}
    baseline = valid(input_type, "input", world["ids"])
    query = document(name, input_type.name)
    failures = []
    for path, variant in variants(input_type, baseline, world["ids"]):
        body = system.api.gql(query, {"input": variant}, caller)
        result = (body.get("data") or {}).get(name)
        if body.get("errors") or result is None or result["__typename"] not in members:
            shown = json.dumps(variant, ensure_ascii=False)[:300]
            failures.append(f"{path}: {shown} -> {json.dumps(body, ensure_ascii=False)[:400]}")
    assert failures == [], "\n".join(failures)


def test_create_engagement_without_service_modes_names_the_field(
    system: RunningSystem, world: dict[str, Any]
):
    admin = token(world["tenants"]["agency"], "agency_admin")
    result = system.api.create_engagement(admin, world["ids"]["unit"], serviceModes=[])
    assert (result["__typename"], result["field"]) == ("ValidationError", "serviceModes")
    assert result["message"] == "至少需要 1 项", result


def test_fee_terms_errors_name_the_nested_field(system: RunningSystem, world: dict[str, Any]):
    admin = token(world["tenants"]["agency"], "agency_admin")
    fees = {"amount": "-1"}
    result = system.api.create_engagement(admin, world["ids"]["unit"], feeTerms=fees)
    assert (result["__typename"], result["field"]) == ("ValidationError", "feeTerms.amount")
    assert result["message"] == "不得小于 0", result
