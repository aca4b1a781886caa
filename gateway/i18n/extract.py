"""What the catalogues must translate, found in the source, and `messages.pot` from it.

    python -m gateway.i18n.extract     # rewrite messages.pot, merge it into every .po

A message is the first argument, a string literal, of a call to a DomainError class
(`WorkflowConflict("… {status} …", params=…)`), to `Message(…)` or to the helpers that
raise one; a term is the `step=` of `require_stage(…)`. Pydantic's templates
(kit/validation.py) and the token errors (kit/auth.py) are read from their tables.
Every error code and every GraphQL enum value gets its entry too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from graphql import GraphQLEnumType, GraphQLSchema

from cli.stack import SERVICES
from contracts.core import DomainError
from gateway.i18n import catalogues
from gateway.i18n.language import Language

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("contracts", "kit", "services", "gateway")
HELPERS = {"Message", "_refuse", "because", "_invalid"}
"""Calls besides DomainError classes whose first argument is a message template."""
POT = catalogues.LOCALE_DIR / f"{catalogues.DOMAIN}.pot"
MOVES = ("draft", "submit", "confirm", "object", "approve", "complete", "waive")
LIFECYCLE_MOVES = ("suspend", "resume", "terminate", "cancel")
"""What is done to an engagement's status (`{move}` in a refused lifecycle move)."""
"""What is done to a plan or a list item (`{action}` in the workflow's conflicts)."""


def statuses() -> list[str]:
    """The statuses services say in messages (`{status}`, `{state}`) that are not
    GraphQL enums: their labels are terms."""
    from contracts.engagement import enums

    kinds = (
        enums.PlanStatus,
        enums.ListItemStatus,
        enums.RectificationStatus,
        enums.StageReportStatus,
        enums.ChecklistStatus,
        enums.EngagementStatus,
    )
    return [*MOVES, *LIFECYCLE_MOVES, *(member.value for kind in kinds for member in kind)]


@dataclass(frozen=True)
class Entry:
    msgid: str
    context: str | None = None
    where: str = ""


def error_classes() -> list[type[DomainError]]:
    """Every DomainError class, once every module that defines one is imported."""
    import kit.auth
    import kit.storage.base  # noqa: F401

    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def codes() -> list[str]:
    """Every error code a caller can get."""
    return sorted({cls.code for cls in error_classes()} - {DomainError.code})


def templates(root: Path = ROOT) -> Iterator[Entry]:
    names = {cls.__name__ for cls in error_classes()} | HELPERS
    for top in SOURCES:
        for path in sorted((root / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = _name(node.func)
                where = f"{path.relative_to(root)}:{node.lineno}"
                if name in names and node.args and _string(node.args[0]) is not None:
                    yield Entry(str(_string(node.args[0])), None, where)
                if name == "require_stage":
                    for keyword in node.keywords:
                        if keyword.arg == "step" and _string(keyword.value) is not None:
                            yield Entry(str(_string(keyword.value)), catalogues.TERM, where)
    from kit.auth import _DEFAULT_MESSAGES
    from kit.validation import INVALID, TEMPLATES

    for text in [*TEMPLATES.values(), INVALID, *_DEFAULT_MESSAGES.values()]:
        yield Entry(text, None, "kit")


def enum_values(schema: GraphQLSchema) -> Iterator[Entry]:
    for name, type_ in sorted(schema.type_map.items()):
        if isinstance(type_, GraphQLEnumType) and "__" not in name:
            for value in type_.values:
                yield Entry(value, name, "schema.graphql")


def entries(schema: GraphQLSchema) -> list[Entry]:
    """Everything a catalogue translates, each (context, msgid) once."""
    every: Iterable[Entry] = [
        *templates(),
        *(Entry(code, catalogues.ERROR, "error code") for code in codes()),
        *(Entry(value, catalogues.TERM, "contracts/engagement/enums.py") for value in statuses()),
        # "the {service} service did not answer": the service by its name, not by an
        # enum value that is spelled the same (ENGAGEMENT is also a scorecard period).
        *(Entry(name, catalogues.TERM, "cli/stack.py") for name in SERVICES),
        *enum_values(schema),
    ]
    seen: dict[tuple[str | None, str], Entry] = {}
    for entry in every:
        seen.setdefault((entry.context, entry.msgid), entry)
    return list(seen.values())


def symbolic(entry: Entry) -> bool:
    """An entry whose msgid is a key, not English: English needs a translation too."""
    return entry.context not in (None, catalogues.TERM)


def write(schema: GraphQLSchema) -> None:
    """messages.pot from the source; each language's .po updated from it."""
    template = Catalog(domain=catalogues.DOMAIN, project="ecohost", fuzzy=False)
    for entry in entries(schema):
        template.add(entry.msgid, context=entry.context, auto_comments=[entry.where])
    with POT.open("wb") as out:
        write_po(out, template, width=100, omit_header=False, sort_output=True)
    for language in Language:
        path = catalogues.path_of(language)
        with path.open("rb") as po:
            catalogue = read_po(po, locale=language.locale, domain=catalogues.DOMAIN)
        catalogue.update(template, update_header_comment=False, no_fuzzy_matching=True)
        with path.open("wb") as out:
            write_po(out, catalogue, width=100, sort_output=True, ignore_obsolete=True)


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _string(node: ast.expr) -> str | None:
    """A string literal, implicit concatenation included."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


if __name__ == "__main__":
    from gateway.schema import schema

    write(schema._schema)
