"""Every message a caller can get has words in every language: each error code
(every DomainError class, every GraphQL error type through the code that maps to it),
each template raised in the source, each enum value; and no translation drops or
invents a placeholder. A new error without its catalogue entry fails here."""

from __future__ import annotations

from string import Formatter

import pytest
from graphql import GraphQLObjectType

from gateway.i18n import catalogues, extract
from gateway.i18n.language import Language
from gateway.mutation import ERRORS
from gateway.schema import schema

SCHEMA = schema._schema


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", list(Language))
def test_every_error_code_has_a_message(language: Language) -> None:
    codes = extract.codes()
    assert "transition_not_allowed" in codes
    assert "upload_mismatch" in codes
    missing = [c for c in codes if catalogues.lookup(language, c, catalogues.ERROR) is None]
    assert missing == []


def test_every_graphql_error_type_is_reached_from_a_code() -> None:
    error_types = {
        name
        for name, t in SCHEMA.type_map.items()
        if isinstance(t, GraphQLObjectType) and any(i.name == "Error" for i in t.interfaces)
    }
    mapped = {e.type.__name__ for e in ERRORS.values()}
    assert error_types <= mapped, error_types - mapped


def test_every_template_raised_in_the_source_is_translated() -> None:
    untranslated = [
        f"{e.where}: {e.msgid}"
        for e in extract.entries(SCHEMA)
        if catalogues.lookup(Language.ZH_CN, e.msgid, e.context) is None
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", list(Language))
def test_symbolic_entries_have_words_in_every_language(language: Language) -> None:
    # Error codes and enum values are keys, not English: English needs its words too.
    missing = [
        (e.context, e.msgid)
        for e in extract.entries(SCHEMA)
        if extract.symbolic(e) and catalogues.lookup(language, e.msgid, e.context) is None
    ]
    assert missing == []


@pytest.mark.parametrize("language", list(Language))
def test_translations_keep_the_placeholders(language: Language) -> None:
    wrong = [
        (m.id, m.string)
        for m in catalogues.catalogue(language)
        if m.id and m.string and placeholders(str(m.id)) != placeholders(str(m.string))
        and m.context in (None, catalogues.TERM)
    ] + [
        (m.id, m.string)
        for m in catalogues.catalogue(language)
        if m.id and m.string and m.context not in (None, catalogues.TERM)
        and placeholders(str(m.string))
    ]  # fmt: skip
    assert wrong == []


def test_no_error_is_raised_with_a_formatted_string() -> None:
    # An f-string has no catalogue key: it would reach Chinese callers in English.
    names = {cls.__name__ for cls in extract.error_classes()}
    import ast

    offenders = []
    for top in extract.SOURCES:
        for path in sorted((extract.ROOT / top).rglob("*.py")):
            if path.is_relative_to(extract.ROOT / "kit" / "storage"):
                continue  # the object store's own errors stay inside the archive service
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and extract._name(node.func) in names
                    and node.args
                    and isinstance(node.args[0], ast.JoinedStr)
                ):
                    offenders.append(f"{path.relative_to(extract.ROOT)}:{node.lineno}")
    assert offenders == []
