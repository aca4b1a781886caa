"""The validation cache looks documents up by identity and answers what validation
answers."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse, specified_rules
from strawberry.schema.schema import validate_document

from gateway import validation_cache
from gateway.schema import build_schema
from gateway.validation_cache import ValidatedDocuments

SCHEMA = build_schema()
GRAPHQL_SCHEMA = SCHEMA._schema
RULES = tuple(specified_rules)
VALID = "query { viewer { userId } }"
INVALID = "query { viewer { nothingHere } }"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The documents `validate_document` was called with."""
    seen: list[Any] = []

    def counted(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document)
        return validate_document(schema, document, rules)

    monkeypatch.setattr(validation_cache, "validate_document", counted)
    return seen


def test_the_same_document_is_validated_once(validations: list[Any]) -> None:
    cache = ValidatedDocuments(maxsize=8)
    document = parse(VALID)
    first = cache.errors(GRAPHQL_SCHEMA, document, RULES)
    assert cache.errors(GRAPHQL_SCHEMA, document, RULES) is first
    assert validations == [document]


def test_an_equal_document_of_another_identity_or_other_rules_is_validated_again(
    validations: list[Any],
) -> None:
    cache = ValidatedDocuments(maxsize=8)
    one, other = parse(VALID), parse(VALID)
    cache.errors(GRAPHQL_SCHEMA, one, RULES)
    cache.errors(GRAPHQL_SCHEMA, other, RULES)
    cache.errors(GRAPHQL_SCHEMA, one, ())
    assert len(validations) == 3


def test_the_answers_are_validations(validations: list[Any]) -> None:
    cache = ValidatedDocuments(maxsize=8)
    for text in (VALID, INVALID):
        document = parse(text)
        expected = validate_document(GRAPHQL_SCHEMA, document, RULES)
        got = cache.errors(GRAPHQL_SCHEMA, document, RULES)
        assert [e.formatted for e in got] == [e.formatted for e in expected]
    assert [e.message for e in cache.errors(GRAPHQL_SCHEMA, parse(INVALID), RULES)] == [
        "Cannot query field 'nothingHere' on type 'Viewer'."
    ]


def test_the_oldest_entry_goes_first_and_an_entry_keeps_its_document(
    validations: list[Any],
) -> None:
    cache = ValidatedDocuments(maxsize=2)
    a, b, c = parse(VALID), parse(VALID), parse(VALID)
    cache.errors(GRAPHQL_SCHEMA, a, RULES)
    cache.errors(GRAPHQL_SCHEMA, b, RULES)
    cache.errors(GRAPHQL_SCHEMA, a, RULES)  # a is now the most recent
    cache.errors(GRAPHQL_SCHEMA, c, RULES)  # b goes
    assert len(cache) == 2
    cache.errors(GRAPHQL_SCHEMA, a, RULES)
    cache.errors(GRAPHQL_SCHEMA, b, RULES)
    assert validations == [a, b, c, b]


async def test_the_schema_validates_a_query_text_once(validations: list[Any]) -> None:
    schema = build_schema()
    text = "query Once { __typename }"
    for _ in range(3):
        result = await schema.execute(text)
        assert result.errors is None
        assert result.data == {"__typename": "Query"}
    assert len(validations) == 1
    refused = await schema.execute("query { viewer { nothingHere } }")
    assert [e.message for e in refused.errors or []] == [
        "Cannot query field 'nothingHere' on type 'Viewer'."
    ]
