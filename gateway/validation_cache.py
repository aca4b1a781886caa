"""Parsing and validation of a request's document, both cached, validation by identity.

strawberry's `ValidationCache` is an `lru_cache` around `validate_document(schema,
document, rules)`: every lookup hashes the DocumentNode, and graphql-core hashes a node
by hashing all its fields, recursively — ~130 `hash` calls for the small
`createEngagement` document, 4 % of the gateway's in-process CPU per mutation
(docs/BENCHMARKS.md §17, "Fifth round").

The parser cache returns the same DocumentNode object for the same query text, so a
document seen before is the same object: the lookup here is by `id(document)` and the
rules in force. Each entry keeps its document,
so the id cannot be reused by another object while the entry lives, and the hit is
checked to be that very document. A document the parser cache no longer holds is parsed
into a new object and validated again, as with strawberry's cache. The results are the
same lists strawberry's cache would return: `validate_document`'s, kept as they are.

`DocumentChecks` is strawberry's ParserCache, MaxTokensLimiter, AddValidationRules and
ValidationCache in one extension: the same hooks doing the same things in the same
order (the token limit and the rules set as the operation starts, then the cached
parse, then the cached validation), while strawberry builds one extension instead of
four per request and asks one instead of four for its hooks in every phase.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document


class ValidatedDocuments:
    """A bounded LRU of validation results by (schema, document, rules), by identity."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[
            tuple[int, int, tuple[Any, ...]],
            tuple[GraphQLSchema, DocumentNode, list[GraphQLError]],
        ] = OrderedDict()

    def errors(
        self, schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]
    ) -> list[GraphQLError]:
        key = (id(schema), id(document), rules)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is schema and entry[1] is document:
            self._entries.move_to_end(key)
            return entry[2]
        errors = validate_document(schema, document, rules)
        self._entries[key] = (schema, document, errors)
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return errors

    def __len__(self) -> int:
        return len(self._entries)


class ParsedDocuments:
    """graphql-core's `parse` behind an LRU of `maxsize` query texts (and options)."""

    def __init__(self, maxsize: int) -> None:
        self.parse: Callable[..., DocumentNode] = lru_cache(maxsize=maxsize)(parse)


class DocumentChecks(SchemaExtension):
    """Per request, from a factory passing the schema's caches, rules and token limit."""

    def __init__(
        self,
        parsed: ParsedDocuments,
        validated: ValidatedDocuments,
        rules: Sequence[Any],
        max_tokens: int,
    ) -> None:
        super().__init__()
        self.parsed = parsed
        self.validated = validated
        self.rules = tuple(rules)
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        context.parse_options["max_tokens"] = self.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = self.parsed.parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = self.validated.errors(
            context.schema._schema, context.graphql_document, tuple(context.validation_rules)
        )
        yield
