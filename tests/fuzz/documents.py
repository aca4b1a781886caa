"""What is sent for a generated document: `__typename` added under each root field, and
the arguments either written inline (as hypothesis-graphql makes them) or moved into
variables, as real clients send them. The two take different paths through the server
(a scalar's parse_literal or parse_value, literal or variable coercion), so both are
fuzzed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

import graphql

_TYPENAME = graphql.FieldNode(name=graphql.NameNode(value="__typename"))


@dataclass(frozen=True)
class Request:
    query: str
    variables: dict[str, Any]

    def json(self) -> dict[str, Any]:
        return {"query": self.query, "variables": self.variables}


def _operations(document: graphql.DocumentNode) -> list[graphql.OperationDefinitionNode]:
    return list(cast(tuple[graphql.OperationDefinitionNode, ...], document.definitions))


def _root_fields(operation: graphql.OperationDefinitionNode) -> list[graphql.FieldNode]:
    return list(cast(tuple[graphql.FieldNode, ...], operation.selection_set.selections))


def _with_fields(
    operation: graphql.OperationDefinitionNode, fields: list[graphql.FieldNode], **changes: Any
) -> graphql.OperationDefinitionNode:
    selection_set = replace(operation.selection_set, selections=tuple(fields))
    return replace(operation, selection_set=selection_set, **changes)


def with_typename(document: graphql.DocumentNode) -> graphql.DocumentNode:
    """Each root field selects `__typename` too, so a union result says which member it
    is (a success or a typed error) whatever else was selected."""

    def tagged(field: graphql.FieldNode) -> graphql.FieldNode:
        if field.selection_set is None:
            return field
        selections = (_TYPENAME, *field.selection_set.selections)
        return replace(field, selection_set=replace(field.selection_set, selections=selections))

    operations = [
        _with_fields(op, [tagged(f) for f in _root_fields(op)]) for op in _operations(document)
    ]
    return replace(document, definitions=tuple(operations))


def with_variables(
    schema: graphql.GraphQLSchema, document: graphql.DocumentNode
) -> tuple[graphql.DocumentNode, dict[str, Any]]:
    """Every argument of a root field moved into a variable of the argument's type."""
    variables: dict[str, Any] = {}
    operations = []
    for operation in _operations(document):
        root = schema.get_root_type(operation.operation)
        assert root is not None
        definitions: list[graphql.VariableDefinitionNode] = []
        fields = []
        for i, field in enumerate(_root_fields(operation)):
            declared = root.fields[field.name.value].args
            arguments = []
            for argument in field.arguments or ():
                name = f"a{i}_{argument.name.value}"
                variables[name] = graphql.value_from_ast_untyped(argument.value)
                variable = graphql.VariableNode(name=graphql.NameNode(value=name))
                type_ = graphql.parse_type(str(declared[argument.name.value].type))
                definitions.append(graphql.VariableDefinitionNode(variable=variable, type=type_))
                arguments.append(replace(argument, value=variable))
            fields.append(replace(field, arguments=tuple(arguments)))
        operations.append(_with_fields(operation, fields, variable_definitions=tuple(definitions)))
    return replace(document, definitions=tuple(operations)), variables


def request(
    schema: graphql.GraphQLSchema, document: graphql.DocumentNode, as_variables: bool
) -> Request:
    document = with_typename(document)
    if not as_variables:
        return Request(graphql.print_ast(document), {})
    document, variables = with_variables(schema, document)
    return Request(graphql.print_ast(document), variables)
