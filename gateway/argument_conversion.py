"""A field's arguments converted to their Python values by converters prepared once.

strawberry's `convert_arguments` works out, on every call, what each argument's type is:
Maybe or optional, list, scalar or enum, input type; for an input type every field's
GraphQL name and its resolved type, through `isinstance` checks and annotation lookups.
A `createEngagement` (one input of a dozen fields, a list of enums, two nested inputs)
made about 15 such recursive calls and ~280 Python calls per mutation, 11 % of the
gateway's in-process CPU for it (docs/BENCHMARKS.md §17, "Fifth round").

The types of a schema do not change once it is built, so each argument's conversion is
decided once per field and kept as a closure: the same steps in the same order, giving
the same values (the same input classes built with the same keyword arguments, lists
copied, `UNSET` kept). What strawberry does for a type with more to it — `Maybe`, a
lazy type, an input type with its own `from_input`, a `GlobalID`, anything unknown — is
left to strawberry's own `convert_argument`, which then raises or converts as it would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import (
    StrawberryArgument,
    _is_leaf_type,
    _is_optional_leaf_type,
    convert_argument,
)
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

Path = tuple[str | int, ...]
Converter = Callable[[Any, Any, Path], Any]
"""(GraphQL value, Info or None, path of the value in the arguments) -> Python value."""
Scalars = Mapping[object, Any]


class ArgumentConversion:
    """The converters of one schema's argument types, made on first use and kept."""

    def __init__(self, scalar_registry: Scalars, config: StrawberryConfig) -> None:
        self._scalars = scalar_registry
        self._config = config
        self._converters: dict[int, tuple[object, Converter]] = {}

    def for_arguments(
        self, arguments: list[StrawberryArgument]
    ) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        """A field's `convert_arguments(raw, arguments, …, info=info)`, prepared."""
        prepared = tuple(
            (
                self._config.name_converter.from_argument(argument),
                argument.python_name,
                self.converter(argument.type),
            )
            for argument in arguments
        )

        def convert(raw: dict[str, Any], info: Any) -> dict[str, Any]:
            kwargs = {}
            for name, python_name, converter in prepared:
                if name in raw:
                    kwargs[python_name] = converter(raw[name], info, (name,))
            return kwargs

        return convert

    def converter(self, type_: Any) -> Converter:
        """The converter of values of `type_` (kept by identity: types are not always
        hashable, and the schema holds each one for its lifetime)."""
        known = self._converters.get(id(type_))
        if known is not None and known[0] is type_:
            return known[1]
        made = self._make(type_)
        self._converters[id(type_)] = (type_, made)
        return made

    def _make(self, type_: Any) -> Converter:
        scalars = self._scalars
        if isinstance(type_, StrawberryMaybe | LazyType):
            return self._strawberrys(type_)
        if isinstance(type_, StrawberryOptional):
            # strawberry unwraps the optional before it looks at the value.
            return self.converter(type_.of_type)
        if isinstance(type_, StrawberryList):
            item = type_.of_type
            if _is_leaf_type(item, scalars, skip_classes=(GlobalID,)) or _is_optional_leaf_type(
                item, scalars, skip_classes=(GlobalID,)
            ):
                # Copied: graphql-core gives every request that omits the value the same
                # default list, so a change to it would leak into the next requests.
                return _absent_or(lambda value, _info, _path: list(value))
            convert_item = self.converter(item)
            return _absent_or(
                lambda value, info, path: [
                    convert_item(x, info, (*path, index)) for index, x in enumerate(value)
                ]
            )
        if _is_leaf_type(type_, scalars):
            if type_ is GlobalID:
                return self._strawberrys(type_)
            return _absent_or(lambda value, _info, _path: value)
        if has_enum_definition(type_):
            return _absent_or(lambda value, _info, _path: value)  # an enum is a leaf
        if has_object_definition(type_) and type_.__strawberry_definition__.from_input is None:
            return _absent_or(self._input_object(type_))
        return self._strawberrys(type_)

    def _input_object(self, type_: Any) -> Converter:
        definition = type_.__strawberry_definition__
        # graphql-core has checked that every required field is present; the others
        # without a default are None unless given (strawberry's implicit default).
        implicit = (
            {
                field.python_name: None
                for field in definition.fields
                if field.default_value is MISSING and field.default_factory is MISSING
            }
            if definition.is_input
            else {}
        )
        fields: list[tuple[str, str, Converter]] | None = None

        def convert(value: Any, info: Any, path: Path) -> Any:
            nonlocal fields
            if fields is None:  # built on first use: input types may refer to themselves
                fields = [
                    (
                        self._config.name_converter.from_field(field),
                        field.python_name,
                        self.converter(field.resolve_type(type_definition=definition)),
                    )
                    for field in definition.fields
                ]
            kwargs = dict(implicit)
            for graphql_name, python_name, converter in fields:
                if graphql_name in value:
                    kwargs[python_name] = converter(
                        value[graphql_name], info, (*path, graphql_name)
                    )
            return type_(**kwargs)

        return convert

    def _strawberrys(self, type_: Any) -> Converter:
        scalars, config = self._scalars, self._config
        return lambda value, info, path: convert_argument(
            value, type_, scalars, config, info, path=path
        )


def _absent_or(convert: Converter) -> Converter:
    """strawberry's first steps for every type but `Maybe`: null stays null, unset unset."""

    def converted(value: Any, info: Any, path: Path) -> Any:
        if value is None or value is UNSET:
            return value
        return convert(value, info, path)

    return converted
