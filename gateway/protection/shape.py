"""Refuse query shapes that only an attacker writes (graphql-cop's checks).

* Field duplication: `{ __typename __typename … ×500 }` is cheap per field but
  makes the server resolve and serialise the same thing hundreds of times; a
  response key repeated more than `max_repeats` times in one selection set is
  refused (fragments that merge the same field stay fine: they are separate
  selection sets).
* Directive overloading: `__typename @aa@aa@aa…` makes validation produce an
  error per directive; more than `max_directives` on one node is refused, and the
  refusal replaces the other validation errors (see `only_protection_errors`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

PROTECTION_CODES = frozenset({"FIELD_DUPLICATION", "DIRECTIVE_OVERLOADING", "COST_LIMIT_EXCEEDED"})


def shape_rule(max_repeats: int = 3, max_directives: int = 4) -> type[ValidationRule]:
    """A validation rule class; build it once so the validation cache keeps hitting."""

    class QueryShape(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.crowded: set[int] = set()

        def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
            keys = Counter(
                (s.alias or s.name).value for s in node.selections if isinstance(s, FieldNode)
            )
            for key, count in keys.items():
                if count > max_repeats:
                    self.report_error(
                        GraphQLError(
                            f"field {key!r} is selected {count} times; at most {max_repeats}",
                            node,
                            extensions={"code": "FIELD_DUPLICATION"},
                        )
                    )

        def enter(self, node: Any, *_: Any) -> None:
            directives = getattr(node, "directives", None)
            if directives and len(directives) > max_directives and id(node) not in self.crowded:
                self.crowded.add(id(node))
                self.report_error(
                    GraphQLError(
                        f"{len(directives)} directives on one node; at most {max_directives}",
                        node,
                        extensions={"code": "DIRECTIVE_OVERLOADING"},
                    )
                )

    return QueryShape


def only_protection_errors(errors: list[GraphQLError]) -> list[GraphQLError]:
    """When a protection refused the operation, its errors alone: an attacker probing
    how much work an odd query causes should not get an error per repetition."""
    refused = [e for e in errors if (e.extensions or {}).get("code") in PROTECTION_CODES]
    return refused or errors
