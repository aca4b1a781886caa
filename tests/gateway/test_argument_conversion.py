"""Prepared argument conversion gives what strawberry's `convert_arguments` gives, for
every argument of every field of the served schema."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry import Maybe
from strawberry.annotation import StrawberryAnnotation
from strawberry.relay.types import GlobalID
from strawberry.types.arguments import StrawberryArgument, convert_arguments
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

from gateway.argument_conversion import ArgumentConversion
from gateway.schema import build_schema

SCHEMA = build_schema()
CONVERTER = SCHEMA.schema_converter
NAMES = CONVERTER.config.name_converter


class Leaf:
    """A scalar or enum value as graphql-core hands it over: passed through as it is."""


def sample(type_: Any, shape: str, depth: int = 0) -> Any:
    """A value of `type_` as graphql-core gives it to a resolver. `shape`: "full" (every
    field given), "null" (optional ones null) or "omitted" (optional ones left out)."""
    if isinstance(type_, LazyType):
        return sample(type_.resolve_type(), shape, depth)
    if isinstance(type_, StrawberryOptional):  # Maybe too
        return None if shape == "null" else sample(type_.of_type, shape, depth)
    if isinstance(type_, StrawberryList):
        return [sample(type_.of_type, shape, depth + 1), sample(type_.of_type, "full", depth + 1)]
    if type_ is GlobalID:
        return "VW5pdDowMTkwYTNjMi03YjFlLTdjM2QtOGU0Zi0wMDAwMDAwMDAwYWE="
    if has_object_definition(type_):
        definition = type_.__strawberry_definition__
        value = {}
        for field in definition.fields:
            field_type = field.resolve_type(type_definition=definition)
            optional = isinstance(field_type, StrawberryOptional)
            if optional and (shape == "omitted" or depth > 3):
                continue
            value[NAMES.from_field(field)] = sample(field_type, shape, depth + 1)
        return value
    return Leaf()


def fields_with_arguments() -> list[tuple[str, StrawberryField]]:
    found = []
    for type_ in SCHEMA._schema.type_map.values():
        for name, field_def in getattr(type_, "fields", {}).items():
            field = field_def.extensions.get(CONVERTER.DEFINITION_BACKREF)
            if isinstance(field, StrawberryField) and field.arguments:
                found.append((f"{type_.name}.{name}", field))
    return found


FIELDS = fields_with_arguments()


def test_the_schema_has_input_arguments() -> None:
    names = [name for name, _ in FIELDS]
    assert "Mutation.createEngagement" in names
    assert len(names) > 50


@pytest.mark.parametrize("shape", ["full", "null", "omitted"])
def test_every_argument_converts_as_strawberry_converts_it(shape: str) -> None:
    conversion = ArgumentConversion(CONVERTER.scalar_registry, CONVERTER.config)
    compared = 0
    for name, field in FIELDS:
        raw = {NAMES.from_argument(a): sample(a.type, shape) for a in field.arguments}
        if shape == "omitted":
            raw = {
                NAMES.from_argument(a): value
                for a, value in zip(field.arguments, raw.values(), strict=True)
                if not isinstance(a.type, StrawberryOptional)
            }
        expected = convert_arguments(
            raw, field.arguments, scalar_registry=CONVERTER.scalar_registry, config=CONVERTER.config
        )
        got = conversion.for_arguments(field.arguments)(raw, None)
        assert got == expected, name
        assert repr(got) == repr(expected), name
        compared += 1
    assert compared == len(FIELDS)


def test_lists_are_copied_and_unset_stays_unset() -> None:
    conversion = ArgumentConversion(CONVERTER.scalar_registry, CONVERTER.config)
    leaves = [Leaf()]
    list_of_leaves = conversion.converter(StrawberryList(str))
    copied = list_of_leaves(leaves, None, ("x",))
    assert copied == leaves
    assert copied is not leaves
    assert conversion.converter(StrawberryOptional(str))(UNSET, None, ("x",)) is UNSET
    assert conversion.converter(StrawberryOptional(str))(None, None, ("x",)) is None


def test_a_maybe_and_a_global_id_go_to_strawberry() -> None:
    conversion = ArgumentConversion(CONVERTER.scalar_registry, CONVERTER.config)
    argument = StrawberryArgument(
        python_name="x",
        graphql_name=None,
        type_annotation=StrawberryAnnotation(Maybe[str | None]),  # type: ignore[misc]
    )
    assert isinstance(argument.type, StrawberryMaybe)
    for raw in ({"x": None}, {"x": "given"}, {}):
        expected = convert_arguments(
            raw, [argument], scalar_registry=CONVERTER.scalar_registry, config=CONVERTER.config
        )
        assert conversion.for_arguments([argument])(raw, None) == expected
    global_id = conversion.converter(GlobalID)("VW5pdDox", None, ("x",))
    assert global_id == GlobalID("Unit", "1")


@strawberry.input
class Inner:
    code: str
    note: str | None


@strawberry.input
class Probe:
    """Shapes the served schema lacks: an optional field with no default (strawberry's
    implicit None), a list of inputs, an input referring to its own type."""

    name: str | None
    inner: list[Inner]
    nested: Probe | None = None


def test_an_optional_field_without_a_default_is_none_and_inputs_nest() -> None:
    argument = StrawberryArgument(
        python_name="probe", graphql_name=None, type_annotation=StrawberryAnnotation(Probe)
    )
    conversion = ArgumentConversion(CONVERTER.scalar_registry, CONVERTER.config)
    raws: tuple[dict[str, Any], ...] = (
        {"probe": {"inner": []}},
        {"probe": {"name": "a", "inner": [{"code": "x"}], "nested": {"inner": [{"code": "y"}]}}},
        {"probe": None},
    )
    for raw in raws:
        expected = convert_arguments(
            raw, [argument], scalar_registry=CONVERTER.scalar_registry, config=CONVERTER.config
        )
        got = conversion.for_arguments([argument])(raw, None)
        assert got == expected
        assert repr(got) == repr(expected)
