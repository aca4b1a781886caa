"""A static cost limit: refuse an operation whose worst case is too expensive, before
anything runs.

Depth and alias limits miss the expensive shape of a GraphQL query: a list inside a
list. Here every field costs 1 and the fields under a list cost once per element it
may return, at the most the resolver allows:

* a page argument (`first`/`last`/`limit`): the number asked for, capped at the
  resolver's maximum (`PAGE_MAXIMA`, else `MAX_PAGE`); a variable counts as that
  maximum (validation is cached by query text, so variables are not known); when
  absent, the argument's default (or `DEFAULT_PAGE` for a null default);
* a list of ids (`nodes(ids:)`, `_entities(representations:)`): the number of ids
  written, or the field's maximum when it is a variable (`ID_LISTS`);
* a list whose resolver fetches a fixed number of rows (`LIST_MAXIMA`): that many;
* any other list (a trace, an engagement's list items): `DEFAULT_LIST_SIZE`.

A field that makes a service request of its own for each parent, with no DataLoader
to batch it (`OWN_REQUESTS`: a scorecard's XLSX or suggestions), costs
`SERVICE_REQUEST` instead of 1, and so once per parent that may resolve it. `edges`
of a connection are not counted twice. `tests/gateway/test_cost.py` checks that
every coordinate named here exists in the schema, so a rename cannot drop a cost.
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
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
)
from graphql.type.definition import GraphQLInterfaceType, GraphQLNamedType

from contracts.engagement.enums import ServiceMode, Stage
from gateway.archive.queries import MAX_CHECKPOINTS
from gateway.engagement.queries import MAX_DUE_ITEMS
from gateway.evaluation.queries import SCORECARD_LIST_LIMIT
from gateway.federation import MAX_ENTITIES
from gateway.nodes import MAX_NODES
from gateway.pagination import DEFAULT_PAGE, MAX_PAGE

PAGE_ARGUMENTS = ("first", "last", "limit")
DEFAULT_LIST_SIZE = 10

SERVICE_REQUEST = 200
"""A request to a service (NATS round trip, a transaction, often a file built): under
the default limit of 20,000 an operation may cause about 100 of them."""

PAGE_MAXIMA: dict[str, int] = {
    "Query.dueItems": MAX_DUE_ITEMS,
    "Query.checkpoints": MAX_CHECKPOINTS,
}
"""Page arguments whose resolver allows more (or fewer) than `MAX_PAGE`."""

ID_LISTS: dict[str, tuple[str, int]] = {
    "Query.nodes": ("ids", MAX_NODES),
    "Query._entities": ("representations", MAX_ENTITIES),
}
"""Lists with one element per id given: (argument, most ids the resolver accepts)."""

LIST_MAXIMA: dict[str, int] = {
    "Query.unitGradeHistory": SCORECARD_LIST_LIMIT,
    "AgencyResults.scorecards": SCORECARD_LIST_LIMIT,
    "RegionStatisticsRow.byStage": len(Stage),
    "RegionStatisticsRow.byMode": len(ServiceMode),
}
"""Lists without a page argument whose resolver fetches up to this many rows."""

OWN_REQUESTS: frozenset[str] = frozenset(
    {
        "Scorecard.xlsx",
        "Scorecard.suggestions",
        "ArchiveItem.borrowRequests",
        "ArchiveItem.usage",
        "LedgerEntry.inclusionProof",
        # One request to each of three services, each a set of GROUP BYs.
        "Query.regionStatistics",
    }
)
"""Fields below the root that each make their own, unbatched service request."""


def _is_list(field: GraphQLField) -> bool:
    type_: Any = field.type
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class CostCalculator:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, Any]) -> None:
        self.schema = schema
        self.fragments = fragments

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
        coordinate = f"{parent.name}.{name}"
        own = SERVICE_REQUEST if coordinate in OWN_REQUESTS else 1
        child_type = get_named_type(field.type)
        children = self.selection_cost(node.selection_set, child_type, seen)
        return own + self.multiplier(node, field, parent, coordinate) * children

    def multiplier(
        self, node: FieldNode, field: GraphQLField, parent: GraphQLNamedType, coordinate: str
    ) -> int:
        if coordinate in ID_LISTS:
            argument, most = ID_LISTS[coordinate]
            return _id_count(node, argument, most)
        paged = _page_size(node, field, PAGE_MAXIMA.get(coordinate, MAX_PAGE))
        if paged is not None:
            return paged
        if coordinate in LIST_MAXIMA:
            return LIST_MAXIMA[coordinate]
        if _is_list(field) and not parent.name.endswith("Connection"):
            return DEFAULT_LIST_SIZE
        return 1


def _argument(node: FieldNode, names: tuple[str, ...] | list[str]) -> ValueNode | None:
    for argument in node.arguments or ():
        if argument.name.value in names:
            return argument.value
    return None


def _page_size(node: FieldNode, field: GraphQLField, most: int) -> int | None:
    """Elements a paged list may return: as asked, at most `most`; `most` for a variable."""
    names = [a for a in PAGE_ARGUMENTS if a in field.args]
    if not names:
        return None
    match _argument(node, names):
        case IntValueNode(value=value):
            return min(max(int(value), 0), most)
        case VariableNode():
            return most
    default = field.args[names[0]].default_value
    return default if isinstance(default, int) else DEFAULT_PAGE


def _id_count(node: FieldNode, argument: str, most: int) -> int:
    """Ids written in the list argument, at most `most`; `most` when it is a variable."""
    match _argument(node, (argument,)):
        case ListValueNode(values=values):
            return min(len(values), most)
        case None | VariableNode():
            return most
    return 1  # a single value stands for a list of one


def operation_cost(
    schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: dict[str, Any]
) -> int:
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return CostCalculator(schema, fragments).selection_cost(
        operation.selection_set, root, frozenset()
    )


def cost_limit_rule(max_cost: int) -> type[ValidationRule]:
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
            cost = operation_cost(self.context.schema, node, self.fragments)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"operation cost {cost} exceeds the limit of {max_cost}",
                        node,
                        extensions={"code": "COST_LIMIT_EXCEEDED", "cost": cost},
                    )
                )

    return CostLimit
