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

Two more steps of the same kind (docs/BENCHMARKS.md §15, "The gateway, third round"):

- A relay node's `id` whose class keeps strawberry's own `resolve_id` and
  `resolve_typename` is encoded here, `base64("<Type>:<id>")`, from the attribute its
  `NodeID` names: what strawberry's `Node._id` resolver and the ID scalar give, without
  an `Info`, a `GlobalID` and the scalar's `str()` (150 a dashboard page). A source of
  any other class, or an id that is not a string (null, awaitable), takes strawberry's
  resolver, and so fails or succeeds as it would.
- The plain fields of an object are read in the loop over its fields (`execute_fields`),
  the response path built only for an error: most fields of a row are plain, and
  graphql-core built a path and made a call per field.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple

import strawberry
from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined, gather_with_cancel, inspect
from strawberry import relay
from strawberry.relay.exceptions import NodeIDAnnotationError
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from gateway.async_helpers import acyclic_helpers

# The name of the resolver strawberry gives a basic field (`from_resolver`): it calls
# `get_result` without an Info. Any other resolver is more than an attribute read.
_BASIC_RESOLVER = "_get_basic_result"


class PlainField(NamedTuple):
    """What completing a plain field needs: its attribute and its types. `node`: for a
    relay node's `id`, the class whose instances have it encoded here (the attribute is
    the one its `NodeID` names); None for an attribute read."""

    attribute: str
    return_type: GraphQLOutputType
    leaf: GraphQLLeafType
    non_null: bool
    node: type[relay.Node] | None = None


PlainFields = Mapping[str, Mapping[str, PlainField]]
"""The plain fields of each object type: by type name, then by field name."""


def plain_field(field_def: GraphQLField) -> PlainField | None:
    """The field as a plain attribute read, or None if anything more runs for it."""
    field = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField) or field_def.args:
        return None
    if field.base_resolver is not None:
        return node_id_field(field, field_def)
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


def node_id_field(field: StrawberryField, field_def: GraphQLField) -> PlainField | None:
    """A relay node's `id` as strawberry resolves it by default (`Node._id`, its class's
    `resolve_id` and `resolve_typename` not overridden, no extension, graphql-core's
    ID scalar), or None."""
    resolver = field.base_resolver
    bound = getattr(resolver, "wrapped_func", None) if resolver is not None else None
    node = getattr(bound, "__self__", None)
    if (
        getattr(bound, "__func__", None) is not _NODE_ID
        or not isinstance(node, type)
        or not issubclass(node, relay.Node)
        or field.extensions
        or field.is_subscription
        or getattr(node.resolve_id, "__func__", None) is not _RESOLVE_ID
        or getattr(node.resolve_typename, "__func__", None) is not _RESOLVE_TYPENAME
        or not is_non_null_type(field_def.type)
        or field_def.type.of_type.serialize is not GraphQLID.serialize
    ):
        return None
    try:
        attribute = node.resolve_id_attr()
    except NodeIDAnnotationError:  # strawberry's resolver raises it, at the field
        return None
    return PlainField(attribute, field_def.type, field_def.type.of_type, True, node)


# strawberry's defaults, as functions (a classmethod read from a class is bound).
_NODE_ID = relay.Node._id.__func__
_RESOLVE_ID = relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
_RESOLVE_TYPENAME = relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]


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
    """strawberry's execution context, with plain fields completed in one step and the
    resolvers' async helpers not bound to it (`gateway.async_helpers`: no reference
    cycle, so an operation's objects are freed when it ends). `plain_fields` is the
    schema's, set by `execute_plain_fields`."""

    plain_fields: ClassVar[PlainFields] = MappingProxyType({})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = acyclic_helpers(self.is_awaitable, self.background_futures)
        # strawberry always passes a manager, empty unless an extension has a `resolve`
        # hook; with a middleware every field must go through its resolver.
        manager = self.middleware_manager
        self._plain: PlainFields = {} if manager and manager.middlewares else self.plain_fields

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """graphql-core's loop over an object's fields (the same results, in the same
        order, awaitables gathered the same way), with its plain fields read in place."""
        fields = self._plain.get(parent_type.name)
        if fields is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        typename = parent_type.name
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field = fields.get(field_details_list[0].node.name.value)
                if field is not None and field.node is not None:
                    node_id = _node_id(field, source_value)
                    if node_id is not None:
                        results[response_name] = b64encode(
                            f"{typename}:{node_id}".encode()
                        ).decode()
                        continue
                    field = None  # strawberry's resolver decides
                if field is None:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, typename),
                        position_context,
                    )
                    if result is Undefined:
                        continue
                else:
                    result = self._plain_value(
                        field,
                        parent_type,
                        source_value,
                        field_details_list,
                        path,
                        response_name,
                        position_context,
                    )
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                # Settle the awaitables of the other fields: they may fail too.
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                name = awaitable_fields[0]
                results[name] = await results[name]
            else:
                awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _plain_value(
        self,
        field: PlainField,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        parent_path: Path | None,
        response_name: str,
        position_context: Any,
    ) -> Any:
        """The completed value of a plain field, as graphql-core completes it."""
        try:
            value = getattr(source, field.attribute)
            if value is None or value is Undefined:
                if field.non_null:
                    raise TypeError(
                        f"Cannot return null for non-nullable field {parent_type}."
                        f"{field_details_list[0].node.name.value}."
                    )
                return None
            if not self.is_awaitable(value):
                if isinstance(value, Exception):
                    raise value
                return _coerced(field.leaf, value)
        except Exception as raw_error:
            path = Path(parent_path, response_name, parent_type.name)
            self.handle_field_error(raw_error, field.return_type, field_details_list, path)
            return None
        # An attribute holding an awaitable: what graphql-core does with one.
        path = Path(parent_path, response_name, parent_type.name)
        field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        info = self.build_resolve_info(
            field_def,  # type: ignore[arg-type]
            to_nodes(field_details_list),
            parent_type,
            path,
        )
        return self.complete_awaitable_value(
            field.return_type, field_details_list, info, path, value, position_context
        )


def _node_id(field: PlainField, source: Any) -> str | None:
    """The id a relay node's global ID encodes, if strawberry's defaults would read it
    from `source` as a string; None sends the field to strawberry's resolver."""
    if type(source) is not field.node:
        return None
    try:
        node_id = getattr(source, field.attribute)
    except Exception:  # strawberry's resolver raises it, at the field
        return None
    return node_id if type(node_id) is str else None


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
