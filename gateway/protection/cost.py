"""A static cost limit: refuse an operation whose worst case is too expensive, before
anything runs.

Depth and alias limits miss the expensive shape of a GraphQL query: a list inside a
list. Here every field costs 1 and the fields under a list cost once per element it
may return: the page asked for (`first`/`last`/`limit`), the largest allowed page
when that is a variable (validation is cached by query text, so variables are not
known), the argument's default when absent, and `DEFAULT_LIST_SIZE` for lists
without a page argument (a trace, an engagement's list items). `edges` of a
connection are not counted twice.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from graphql.type.definition import GraphQLInterfaceType, GraphQLNamedType

PAGE_ARGUMENTS = ("first", "last", "limit")
DEFAULT_PAGE = 20
DEFAULT_LIST_SIZE = 10


def _is_list(field: GraphQLField) -> bool:
    type_: Any = field.type
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class CostCalculator:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, Any], page_ceiling: int) -> None:
        self.schema = schema
        self.fragments = fragments
        self.page_ceiling = page_ceiling

    def selection_cost(
        self, selections: SelectionSetNode | None, parent: GraphQLNamedType, seen: frozenset[str]
    ) -> int:
        if selections is None:
            return 0
        total = 0
        for node in selections.selections:
            match node:
                case FieldNode():
                    total += self.field_cost(node, parent, seen)
                case InlineFragmentNode():
                    condition = node.type_condition
                    target = self.schema.get_type(condition.name.value) if condition else parent
                    total += self.selection_cost(node.selection_set, target or parent, seen)
                case FragmentSpreadNode():
                    name = node.name.value
                    fragment = self.fragments.get(name)
                    if fragment is None or name in seen:  # cycles are another rule's error
                        continue
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.selection_cost(
                        fragment.selection_set, target or parent, seen | {name}
                    )
        return total

    def field_cost(self, node: FieldNode, parent: GraphQLNamedType, seen: frozenset[str]) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        fields = (
            getattr(parent, "fields", None)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            else None
        )
        field = fields.get(name) if fields else None
        if field is None:  # introspection or an unknown field (FieldsOnCorrectType reports it)
            return 1
        child_type = get_named_type(field.type)
        children = self.selection_cost(node.selection_set, child_type, seen)
        return 1 + self.multiplier(node, field, parent) * children

    def multiplier(self, node: FieldNode, field: GraphQLField, parent: GraphQLNamedType) -> int:
        paged = self.page_size(node, field)
        if paged is not None:
            return paged
        if _is_list(field) and not parent.name.endswith("Connection"):
            return DEFAULT_LIST_SIZE
        return 1

    def page_size(self, node: FieldNode, field: GraphQLField) -> int | None:
        names = [a for a in PAGE_ARGUMENTS if a in field.args]
        if not names:
            return None
        for argument in node.arguments or ():
            if argument.name.value in names:
                match argument.value:
                    case IntValueNode(value=value):
                        return max(int(value), 0)
                    case VariableNode():
                        return self.page_ceiling
        default = field.args[names[0]].default_value
        return default if isinstance(default, int) else DEFAULT_PAGE


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, Any],
    page_ceiling: int = 100,
) -> int:
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return CostCalculator(schema, fragments, page_ceiling).selection_cost(
        operation.selection_set, root, frozenset()
    )


def cost_limit_rule(max_cost: int, page_ceiling: int = 100) -> type[ValidationRule]:
    """A validation rule class; build it once so the validation cache keeps hitting."""

    class CostLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            self.fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = operation_cost(self.context.schema, node, self.fragments, page_ceiling)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"operation cost {cost} exceeds the limit of {max_cost}",
                        node,
                        extensions={"code": "COST_LIMIT_EXCEEDED", "cost": cost},
                    )
                )

    return CostLimit
