"""The GraphQL schema: queries and mutations of every domain, plus protections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError, VariableDefinitionNode
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from contracts.core import DomainError, RemoteError, ValidationFailed
from gateway.archive.mutations import ArchiveMutations
from gateway.archive.queries import ArchiveQueries
from gateway.context import Context
from gateway.engagement.directory import DirectoryMutations, DirectoryQueries
from gateway.engagement.mutations import EngagementMutations
from gateway.engagement.queries import EngagementQueries
from gateway.engagement.subscriptions import EngagementSubscriptions
from gateway.engagement.workflow_mutations import WorkflowMutations
from gateway.evaluation.mutations import EvaluationMutations
from gateway.evaluation.queries import EvaluationQueries
from gateway.federation import CappedFederationSchema, FederationQueries
from gateway.nodes import NodeQueries
from gateway.protection.cost import cost_limit_rule
from gateway.protection.shape import only_protection_errors, shape_rule
from kit.logging import get_logger

log = get_logger(__name__)


@strawberry.type(description="Who the current token says you are.")
class Viewer:
    user_id: str
    tenant: str
    roles: list[str]
    clearance: int


@strawberry.type
class Query(
    NodeQueries,
    EngagementQueries,
    DirectoryQueries,
    EvaluationQueries,
    ArchiveQueries,
    FederationQueries,
):
    @strawberry.field(description="The authenticated caller; null when anonymous.")
    def viewer(self, info: Info[Context, None]) -> Viewer | None:
        p = info.context.principal
        if p.is_anonymous:
            return None
        return Viewer(
            user_id=p.user_id, tenant=p.tenant, roles=list(p.roles), clearance=p.clearance
        )


@strawberry.type
class Mutation(
    EngagementMutations,
    WorkflowMutations,
    DirectoryMutations,
    EvaluationMutations,
    ArchiveMutations,
):
    pass


@strawberry.type
class Subscription(EngagementSubscriptions):
    pass


class ErrorReporting(SchemaExtension):
    """Expected errors get a stable `extensions.code`; unexpected ones are logged with
    their stack and the request id, then masked as "internal error" for the client."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        request_id = getattr(self.execution_context.context, "request_id", "")
        errors = only_protection_errors(list(errors))
        result.errors = [_report(e, request_id) for e in errors]  # type: ignore[union-attr]


def _report(error: GraphQLError, request_id: str) -> GraphQLError:
    original = error.original_error
    if original is None:  # syntax, validation, limits: the client's own doing
        return error
    if _is_variable_error(error):
        # A variable's value did not coerce to its type (null for `ID!`, a bad Date):
        # graphql-core keeps the scalar's exception as the original error, but the
        # input is the caller's to fix, like any other validation error.
        error.extensions = {
            **(error.extensions or {}),
            "code": ValidationFailed.code.upper(),
            "requestId": request_id,
        }
        return error
    if isinstance(original, DomainError) and not _service_fault(original):
        error.extensions = {
            **(error.extensions or {}),
            "code": original.code.upper(),
            "requestId": request_id,
        }
        return error
    log.error("graphql.unexpected_error", path=error.path, request_id=request_id, exc_info=original)
    return GraphQLError(
        "internal error",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL", "requestId": request_id},
    )


def _service_fault(error: DomainError) -> bool:
    """A service's own unexpected failure, relayed over NATS: a server fault like one in
    the gateway (INTERNAL, logged), not a domain error the caller could act on."""
    return isinstance(error, RemoteError) and error.remote_code == "internal"


def _is_variable_error(error: GraphQLError) -> bool:
    return error.path is None and any(
        isinstance(node, VariableDefinitionNode) for node in error.nodes or ()
    )


def build_schema(
    *,
    production: bool = False,
    max_depth: int = 10,
    max_aliases: int = 30,
    max_tokens: int = 2000,
    max_cost: int = 20_000,
    max_batch_operations: int = 5,
) -> strawberry.Schema:
    # The limits are validation rules. Their classes are built once here: strawberry's
    # ValidationCache keys on the rule classes, so rules rebuilt per request (as the
    # limiter extensions do) would make every request miss the cache.
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
        cost_limit_rule(max_cost),
        shape_rule(),
    ]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Factories, not instances: strawberry builds fresh extensions per request; the
    # parser and validation caches are module-level and shared between them.
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        ErrorReporting,
    ]
    # Federation 2 (`@key` on Unit and Engagement): a government platform's router
    # composes this schema with its own subgraphs.
    return CappedFederationSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(
            disable_field_suggestions=production,
            batching_config=(
                {"max_operations": max_batch_operations} if max_batch_operations > 0 else None
            ),
        ),
        # 2.5 rather than the newest: older routers still deployed compose it.
        federation_version="2.5",
    )


# The schema as served in development; `ecohost export-schema` prints it.
schema = build_schema()
