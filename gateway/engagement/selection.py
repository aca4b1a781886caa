"""Which lists of an engagement's workflow an operation selects, so that the engagement
service reads and sends only those (`WorkflowRequest.parts`).

Decided from the field names of the whole operation and its fragments: a superset of
what the engagement fields select (a name used elsewhere in the query only asks for a
list too many, never one too few). Parsed documents are cached (the schema's parser
cache, gateway/validation_cache.py), so the answer is cached per operation node too.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from gateway.dataloaders import WorkflowParts

# Engagement fields (as the schema names them) and the lists they are built from.
PARTS_BY_FIELD: dict[str, WorkflowParts] = {
    "listItems": ("list_items",),
    "team": ("team",),
    "planVersions": ("plan_versions",),
    "checklist": ("checklist",),
    "records": ("records",),
    "rectifications": ("rectifications",),
    "stageReports": ("stage_reports",),
    # The versions of corrected list items, team members and records.
    "versions": ("revisions",),
}
# Checklist fields that list its documents; without them, counts are enough.
CHECKLIST_ITEM_FIELDS = frozenset({"items", "missing"})
CACHED = 512

_cache: dict[int, tuple[OperationDefinitionNode, WorkflowParts]] = {}


def field_names(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> set[str]:
    """Every field name in the operation and the fragments it may spread."""
    return names_below([operation.selection_set, *(f.selection_set for f in fragments.values())])


def names_below(
    selection_sets: Iterable[SelectionSetNode],
    fragments: dict[str, FragmentDefinitionNode] | None = None,
) -> set[str]:
    """Every field name in these selection sets, inline fragments included; with
    `fragments`, the named fragments they spread too (each once)."""
    names: set[str] = set()
    spread: set[str] = set()
    pending = list(selection_sets)
    while pending:
        for node in pending.pop().selections:
            if isinstance(node, FieldNode):
                names.add(node.name.value)
                if node.selection_set is not None:
                    pending.append(node.selection_set)
            elif isinstance(node, InlineFragmentNode):
                pending.append(node.selection_set)
            elif isinstance(node, FragmentSpreadNode) and fragments is not None:
                name = node.name.value
                if name not in spread and name in fragments:
                    spread.add(name)
                    pending.append(fragments[name].selection_set)
    return names


def workflow_parts(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> WorkflowParts:
    # Keyed by identity, the node kept alongside so that a recycled id cannot match.
    cached = _cache.get(id(operation))
    if cached is not None and cached[0] is operation:
        return cached[1]
    names = field_names(operation, fragments)
    wanted = {p for f, ps in PARTS_BY_FIELD.items() if f in names for p in ps}
    if "checklist" in wanted and not names & CHECKLIST_ITEM_FIELDS:
        # Completeness only (a dashboard): counts, not 25 documents per engagement.
        wanted = (wanted - {"checklist"}) | {"checklist_counts"}
    parts = tuple(sorted(wanted))
    if len(_cache) >= CACHED:
        _cache.clear()
    _cache[id(operation)] = (operation, parts)
    return parts
