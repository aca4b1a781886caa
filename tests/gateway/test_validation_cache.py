"""The validation cache looks documents up by identity and answers what validation
answers."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import parse, specified_rules
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.schema import validate_document

from gateway import validation_cache
from gateway.schema import build_schema
from gateway.validation_cache import DocumentChecks, ParsedDocuments, ValidatedDocuments

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


async def test_the_schema_parses_and_validates_a_query_text_once(
    validations: list[Any],
) -> None:
    schema = build_schema()
    text = "query Once { __typename }"
    for _ in range(3):
        result = await schema.execute(text)
        assert result.errors is None
        assert result.data == {"__typename": "Query"}
    assert len(validations) == 1
    assert len({id(document) for document in validations}) == 1
    refused = await schema.execute("query { viewer { nothingHere } }")
    assert [e.message for e in refused.errors or []] == [
        "Cannot query field 'nothingHere' on type 'Viewer'."
    ]


@strawberry.type
class Leaf:
    name: str = "leaf"

    @strawberry.field
    def child(self) -> Leaf:
        return Leaf()


@strawberry.type
class Small:
    @strawberry.field
    def leaf(self) -> Leaf:
        return Leaf()


async def test_the_checks_are_strawberrys_four_extensions_in_one() -> None:
    """The token limit as MaxTokensLimiter set it, the rules as AddValidationRules added
    them, parse and validation cached: the same answers as strawberry's own four."""
    rules = [
        *QueryDepthLimiter(max_depth=2).validation_rules,
        *MaxAliasesLimiter(max_alias_count=1).validation_rules,
    ]
    parsed, validated = ParsedDocuments(8), ValidatedDocuments(8)
    ours = strawberry.Schema(
        query=Small, extensions=[lambda: DocumentChecks(parsed, validated, rules, 20)]
    )
    theirs = strawberry.Schema(
        query=Small,
        extensions=[
            lambda: ParserCache(maxsize=8),
            lambda: ValidationCache(maxsize=8),
            lambda: AddValidationRules(rules),
            lambda: MaxTokensLimiter(max_token_count=20),
        ],
    )
    for text in (
        "{ leaf { name } }",
        "{ " + "__typename " * 30 + "}",
        "{ leaf { child { child { name } } } }",
        "{ a: __typename b: __typename }",
        "{ leaf { nope } }",
        "{ __typename ",
    ):
        for _ in range(2):  # the second time from the caches
            mine, expected = await ours.execute(text), await theirs.execute(text)
            assert mine.data == expected.data, text
            assert [e.formatted for e in mine.errors or []] == [
                e.formatted for e in expected.errors or []
            ], text
