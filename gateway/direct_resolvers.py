"""Resolvers called directly: a field whose resolver has no field extension (permission
classes are extensions) and no exception handler gets a wrapper that builds the Info,
converts the arguments and calls the resolver — what strawberry's wrapper does, without
its chain of extension closures around it.

strawberry wraps every resolver the same way whether or not anything hooks into it: an
`Info`, `get_arguments` (argument conversion, then each extension's `map_arguments`,
then the resolver's reserved parameters looked up one by one), a `reduce` of the
extensions into `partial`s, two more closures, `StrawberryField.get_result` and
`StrawberryResolver.__call__` — about ten Python calls per field, and for an async
resolver one more coroutine around the resolver's. The 50-row dashboard runs ~550 such
fields (a row's `unit`, `trace`, `latestScorecard`, `listItems`, `checklist`, its
ids…). Here the reserved parameters are looked up once, the Info is built only for a
resolver that takes one, arguments are converted by converters prepared once per field
(`gateway.argument_conversion`, only for a field that has any), and an async
resolver's coroutine is given to graphql-core as it is.

Authorization is untouched: checks live inside the resolvers, which run as before; a
field with a permission class or any other extension keeps strawberry's wrapper.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import isasyncgenfunction
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from gateway.argument_conversion import ArgumentConversion


def direct_resolver(
    schema: strawberry.Schema, field_def: GraphQLField, conversion: ArgumentConversion
) -> Callable[..., Any] | None:
    """The field's resolver without strawberry's wrapper, or None where the wrapper
    does more than call it (extensions, exception handlers, subscriptions)."""
    field = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField):
        return None
    resolver = field.base_resolver
    converter = schema.schema_converter
    if (
        resolver is None
        or field.extensions
        or field.is_subscription
        or isasyncgenfunction(resolver._unbound_wrapped_func)
        or converter._get_field_exception_handlers(field)
    ):
        return None

    call = resolver.wrapped_func
    if not callable(call):  # a classmethod strawberry has not bound: its error stays
        return None
    arguments = field.arguments
    info_class = converter.config.info_class
    convert_arguments = conversion.for_arguments(arguments) if arguments else None
    takes_self = resolver.self_parameter is not None
    # The reserved parameters that receive the source object, or the Info, by name.
    source_names = tuple(
        p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None
    )
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    # Argument conversion hands the Info to input types that build their own value.
    needs_info = info_name is not None or bool(arguments)

    def resolve(source: Any, raw_info: GraphQLResolveInfo[Any], **raw: Any) -> Any:
        info = info_class(_raw_info=raw_info, _field=field) if needs_info else None
        kwargs = convert_arguments(raw, info) if convert_arguments is not None else {}
        for name in source_names:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = info
        return call(source, **kwargs) if takes_self else call(**kwargs)

    resolve._is_default = False  # type: ignore[attr-defined]  # strawberry's marker
    return resolve


def resolve_directly(schema: strawberry.Schema) -> int:
    """Give every eligible field of `schema` its direct resolver; returns how many."""
    replaced = 0
    converter = schema.schema_converter
    conversion = ArgumentConversion(converter.scalar_registry, converter.config)
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType):
            continue
        for field_def in type_.fields.values():
            direct = direct_resolver(schema, field_def, conversion)
            if direct is not None:
                field_def.resolve = direct
                replaced += 1
    return replaced
