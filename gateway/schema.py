"""The GraphQL schema: queries and mutations of every domain, plus protections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.types import Info

from gateway.archive.documents_mutations import DocumentMutations
from gateway.archive.documents_queries import DocumentQueries
from gateway.archive.mutations import ArchiveMutations
from gateway.archive.queries import ArchiveQueries
from gateway.compliance.mutations import ComplianceMutations
from gateway.compliance.queries import ComplianceQueries
from gateway.compliance.reminder_mutations import ReminderMutations
from gateway.compliance.reminder_queries import ReminderQueries
from gateway.compliance.reminder_subscriptions import ReminderSubscriptions
from gateway.context import Context
from gateway.direct_resolvers import resolve_directly
from gateway.engagement.corrections_mutations import CorrectionMutations
from gateway.engagement.directory import DirectoryMutations, DirectoryQueries
from gateway.engagement.evidence import EvidenceMutations
from gateway.engagement.handover import HandoverMutations
from gateway.engagement.mutations import EngagementMutations
from gateway.engagement.queries import EngagementQueries
from gateway.engagement.registry_mutations import RegistryMutations
from gateway.engagement.registry_queries import RegistryQueries
from gateway.engagement.subscriptions import EngagementSubscriptions
from gateway.engagement.survey_links import SurveyLinkMutations, SurveyLinkQueries
from gateway.engagement.unit_corrections import UnitCorrectionMutations
from gateway.engagement.unit_import import UnitImportMutations, UnitImportQueries
from gateway.engagement.workflow_mutations import WorkflowMutations
from gateway.evaluation.mutations import EvaluationMutations
from gateway.evaluation.queries import EvaluationQueries
from gateway.execution import execute_plain_fields
from gateway.extension_hooks import run_prepared_hooks
from gateway.federation import CappedFederationSchema, FederationQueries
from gateway.i18n.labels import LabelQueries, describe_enum_values
from gateway.i18n.language import DEFAULT
from gateway.nodes import NodeQueries
from gateway.protection.cost import cost_limit_rule
from gateway.protection.shape import only_protection_errors, shape_rule
from gateway.reporting import report
from gateway.statistics.queries import RegionStatisticsQueries
from gateway.validation_cache import DocumentChecks, ParsedDocuments, ValidatedDocuments
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
    DocumentQueries,
    FederationQueries,
    LabelQueries,
    SurveyLinkQueries,
    UnitImportQueries,
    ComplianceQueries,
    RegionStatisticsQueries,
    ReminderQueries,
    RegistryQueries,
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
    HandoverMutations,
    DirectoryMutations,
    EvaluationMutations,
    ArchiveMutations,
    DocumentMutations,
    SurveyLinkMutations,
    EvidenceMutations,
    CorrectionMutations,
    UnitCorrectionMutations,
    UnitImportMutations,
    ComplianceMutations,
    ReminderMutations,
    RegistryMutations,
):
    pass


@strawberry.type
class Subscription(EngagementSubscriptions, ReminderSubscriptions):
    pass


class CachedNameConverter(NameConverter):
    """strawberry converts every argument's name to camelCase on every resolver call
    (`convert_arguments`): 7 % of the gateway's CPU on the 50-row dashboard. The names
    are a fixed set, so each is converted once; the schema's names do not change."""

    def __init__(self) -> None:
        super().__init__()
        self._converted: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        converted = self._converted.get(name)
        if converted is None:
            converted = self._converted[name] = super().apply_naming_config(name)
        return converted


class ErrorReporting(SchemaExtension):
    """Expected errors get a stable `extensions.code`; unexpected ones are logged with
    their stack and the request id, then masked as "internal error" for the client."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "")
        language = context.language if isinstance(context, Context) else DEFAULT
        errors = only_protection_errors(list(errors))
        result.errors = [report(e, request_id, language) for e in errors]  # type: ignore[union-attr]


def build_schema(
    *,
    production: bool = False,
    max_depth: int = 10,
    max_aliases: int = 30,
    max_tokens: int = 2000,
    max_cost: int = 20_000,
    max_batch_operations: int = 5,
) -> strawberry.Schema:
    # The limits are validation rules. Their classes are built once here: the
    # validation cache keys on the rule classes, so rules rebuilt per request (as the
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
    # parser and validation caches are this schema's, shared by them. The parser cache
    # returns the same document for the same text, which the validation cache looks up
    # by identity (gateway/validation_cache.py).
    parsed, validated = ParsedDocuments(maxsize=512), ValidatedDocuments(maxsize=512)
    extensions: list[Any] = [
        lambda: DocumentChecks(parsed, validated, rules, max_tokens),
        ErrorReporting,
    ]
    # Federation 2 (`@key` on Unit and Engagement): a government platform's router
    # composes this schema with its own subgraphs.
    built = CappedFederationSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(
            name_converter=CachedNameConverter(),
            disable_field_suggestions=production,
            batching_config=(
                {"max_operations": max_batch_operations} if max_batch_operations > 0 else None
            ),
        ),
        # 2.5 rather than the newest: older routers still deployed compose it.
        federation_version="2.5",
    )
    describe_enum_values(built._schema)
    # Per-field cost of plain data (docs/BENCHMARKS.md §15): resolvers without
    # strawberry's extension chain, attribute reads without any resolver.
    resolve_directly(built)
    execute_plain_fields(built)
    run_prepared_hooks(built)  # extensions' hooks looked up once per class
    return built


# The schema as served in development; `ecohost export-schema` prints it.
schema = build_schema()
