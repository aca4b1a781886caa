"""Plain data on the shortest path: a field that only reads an attribute and returns a
scalar or enum is completed with a getattr and its type's serializer.

graphql-core executes every field the same way: a resolve info, the field's resolver
(strawberry's wrapper, which calls `StrawberryField.get_result`, which calls `getattr`),
then `complete_value` down through the non-null wrapper to the leaf's serializer. On the
50-row dashboard about 2,200 of its ~2,750 fields are such attributes (ids, names,
dates, statuses, totals), and those steps cost more than the data.

Which fields qualify is decided once per schema, from what strawberry itself treats as a
basic field: no resolver, no field extension (permission classes are extensions), no
exception handler, no arguments, and strawberry's attribute reader as the resolver. All
else — resolvers, objects, lists, abstract types, `__typename`, every field while a
middleware is installed — runs through graphql-core unchanged. A plain field fails as
graphql-core would fail it: a null for a non-null field or a value its serializer
refuses is a located error at the field's path (same message), and the null propagates
as the spec says (`handle_field_error`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple

import strawberry
from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined, inspect
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# The name of the resolver strawberry gives a basic field (`from_resolver`): it calls
# `get_result` without an Info. Any other resolver is more than an attribute read.
_BASIC_RESOLVER = "_get_basic_result"


class PlainField(NamedTuple):
    """What completing a plain field needs: its attribute and its types."""

    attribute: str
    return_type: GraphQLOutputType
    leaf: GraphQLLeafType
    non_null: bool


PlainFields = Mapping[str, Mapping[str, PlainField]]
"""The plain fields of each object type: by type name, then by field name."""


def plain_field(field_def: GraphQLField) -> PlainField | None:
    """The field as a plain attribute read, or None if anything more runs for it."""
    field = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField) or field_def.args:
        return None
    resolve = field_def.resolve
    if (
        not field.is_basic_field
        or field.is_subscription
        or getattr(resolve, "__name__", None) != _BASIC_RESOLVER
        or not getattr(resolve, "_is_default", False)
        or field.default_resolver is not getattr
    ):
        return None
    type_ = field_def.type
    non_null = is_non_null_type(type_)
    leaf = type_.of_type if non_null else type_  # type: ignore[union-attr]
    if not is_leaf_type(leaf):
        return None
    return PlainField(field.python_name, type_, leaf, non_null)


def plain_fields_of(schema: GraphQLSchema) -> PlainFields:
    found: dict[str, dict[str, PlainField]] = {}
    for name, type_ in schema.type_map.items():
        if not isinstance(type_, GraphQLObjectType):
            continue
        fields = {
            field_name: plain
            for field_name, field_def in type_.fields.items()
            if (plain := plain_field(field_def)) is not None
        }
        if fields:
            found[name] = fields
    return found


class PlainFieldExecution(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with plain fields completed in one step.
    `plain_fields` is the schema's, set by `execute_plain_fields`."""

    plain_fields: ClassVar[PlainFields] = MappingProxyType({})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # strawberry always passes a manager, empty unless an extension has a `resolve`
        # hook; with a middleware every field must go through its resolver.
        manager = self.middleware_manager
        self._plain: PlainFields = {} if manager and manager.middlewares else self.plain_fields

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        fields = self._plain.get(parent_type.name)
        if fields is None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        name = field_details_list[0].node.name.value
        field = fields.get(name)
        if field is None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        try:
            value = getattr(source, field.attribute)
            if value is None or value is Undefined:
                if field.non_null:
                    raise TypeError(
                        f"Cannot return null for non-nullable field {parent_type}.{name}."
                    )
                return None
            if not self.is_awaitable(value):
                if isinstance(value, Exception):
                    raise value
                return _coerced(field.leaf, value)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.return_type, field_details_list, path)
            return None
        # An attribute holding an awaitable: what graphql-core does with one.
        field_def = self.schema.get_field(parent_type, name)
        info = self.build_resolve_info(
            field_def,  # type: ignore[arg-type]
            to_nodes(field_details_list),
            parent_type,
            path,
        )
        return self.complete_awaitable_value(
            field.return_type, field_details_list, info, path, value, position_context
        )


def _coerced(leaf: GraphQLLeafType, value: Any) -> Any:
    """graphql-core's `complete_leaf_value`, with its message."""
    coerced = leaf.coerce_output_value(value)
    if coerced is Undefined or coerced is None:
        raise TypeError(
            f"Expected `{inspect(leaf)}.coerce_output_value({inspect(value)})` "
            f"to return non-nullable value, returned: {inspect(coerced)}"
        )
    return coerced


def execute_plain_fields(schema: strawberry.Schema) -> None:
    """Run `schema`'s operations with its plain fields on the short path."""
    schema.execution_context_class = type(
        "PlainFieldExecution",
        (PlainFieldExecution,),
        {"plain_fields": plain_fields_of(schema._schema)},
    )
