"""GraphQL types of the directory and engagements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Self, TypeAlias, TypeVar
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from contracts.archive import rpc as archive_rpc
from contracts.core import ValidationFailed
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from contracts.engagement.enums import (
    EngagementStatus,
    ResultsBasis,
    ServiceMode,
    Stage,
    SurveyMethod,
)
from gateway.context import Context, scope_of
from gateway.dataloaders import now_or_later
from gateway.engagement.agreement_types import AssessmentMethod, PayByResults
from gateway.engagement.profile_types import UnitProfile
from gateway.engagement.selection import workflow_parts
from gateway.engagement.unit_contact_types import UnitContact
from gateway.engagement.workflow_types import (
    Checklist,
    ListItem,
    PlanVersion,
    RecordVersion,
    Rectification,
    ServiceRecord,
    StageReport,
    TeamMember,
    checklist_of,
    list_items_of,
    plans_of,
    records_of,
    reports_of,
    team_of,
)
from gateway.ids import decode_global_id
from gateway.pagination import TOTAL_COUNT

if TYPE_CHECKING:
    from gateway.engagement.registry_types import Client
    from gateway.evaluation.types import Scorecard

R = TypeVar("R")
# A field's value now (its data was prefetched with the page) or an awaitable of it.
Maybe: TypeAlias = R | Awaitable[R]

CHECKLIST_VERSION = 1  # 表 A.1 as published; engagements are instantiated from it


# The contracts' enums, exposed as they are: GraphQL enum values are their member names.
strawberry.enum(
    ServiceMode, description="服务模式 (R5.1): how the agency is present; one or several."
)
strawberry.enum(
    Stage, description="Stage of the hosting-service workflow (figure 1 of the standard)."
)
strawberry.enum(
    ResultsBasis,
    description="What the results (C 三) are measured on: the units' own, or the area's "
    "environment (C 三.1, a regional engagement).",
)
strawberry.enum(SurveyMethod, description="满意度调查的方式 (R4.2.3.1).")
strawberry.enum(
    EngagementStatus,
    description="Beside the stage: active, suspended (暂停), terminated early (提前终止) or "
    "cancelled before the contract (撤销).",
)


# Federation 2 entities: a government platform's router joins its own types on these keys.
# A platform that knows a unit only by its 统一社会信用代码 joins Unit on `uscc`.
@strawberry.federation.type(
    keys=["id", "uscc"],
    description="排污单位: a pollutant-discharging unit, client of engagements.",
)
class Unit(relay.Node):
    id: relay.NodeID[str]
    name: str
    uscc: str = strawberry.field(description="统一社会信用代码 (GB 32100).")
    industry_code: str = strawberry.field(description="GB/T 4754 industry code.")
    address: str
    region_code: str = strawberry.field(
        description="GB/T 2260 division of the registering office (USCC characters 3–8)."
    )
    created_at: datetime
    version: int = strawberry.field(default=1, description="Raised by each correction.")

    @classmethod
    def from_view(cls, v: engagement_rpc_directory.UnitView) -> Self:
        return cls(
            id=str(v.id),
            name=v.name,
            uscc=v.uscc,
            industry_code=v.industry_code,
            address=v.address,
            region_code=v.region_code,
            created_at=v.created_at,
            version=v.version,
        )

    @strawberry.field(
        description="Every version of name, address, industry code and legal representative "
        "once corrected (更正), oldest first; empty if never."
    )
    async def versions(self, info: Info[Context, None]) -> list[RecordVersion]:
        found = await info.context.loaders.unit_versions.load(UUID(self.id))
        return [RecordVersion.from_view(v) for v in found]

    @strawberry.field(description="表 A.1 basic information and HJ 608 outlets.")
    async def profile(self, info: Info[Context, None]) -> UnitProfile | None:
        profile = await info.context.loaders.unit_profiles.load(UUID(self.id))
        return UnitProfile.from_contract(profile) if profile else None

    @strawberry.field(description="Contact people (联系人), as a bulk import brought them.")
    async def contacts(self, info: Info[Context, None]) -> list[UnitContact]:
        found = await info.context.loaders.unit_contacts.load(UUID(self.id))
        return [
            UnitContact(name=c.name, title=c.title, phone=c.phone, email=c.email) for c in found
        ]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ctx = info.context
        if not ctx.authorizer.can("unit", "read"):
            return [None for _ in node_ids]
        views = await ctx.loaders.units.load_many([UUID(i) for i in node_ids])
        return [cls.from_view(v) if v else None for v in views]

    @classmethod
    async def resolve_reference(
        cls,
        info: Info[Context, None],
        id: strawberry.ID | None = None,
        uscc: str | None = None,
        **_other_fields: object,
    ) -> Self | None:
        """Federation `_entities` by either key: the same checks as `node`; a denied or
        unknown entity is null. By `uscc`, units are batched per request like by id."""
        if id is None:
            return await cls._by_uscc(info, uscc) if isinstance(uscc, str) else None
        try:
            uuid = decode_global_id(id, "Unit", field="id")
        except ValidationFailed:
            return None
        [found] = await cls.resolve_nodes(info=info, node_ids=[str(uuid)])
        return found

    @classmethod
    async def _by_uscc(cls, info: Info[Context, None], uscc: str) -> Self | None:
        ctx = info.context
        if not ctx.authorizer.can("unit", "read"):
            return None
        view = await ctx.loaders.units_by_uscc.load(uscc)
        return cls.from_view(view) if view else None


@strawberry.type(description="One recorded step of an engagement's process (追溯), hash-chained.")
class TraceEntry:
    seq: int = strawberry.field(description="Position in the engagement's chain, from 1.")
    event_id: str
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    tenant: str
    payload_sha256: str
    prev_hash: str
    entry_hash: str = strawberry.field(description="SHA-256(prev_hash ‖ canonical entry).")

    @classmethod
    def from_view(cls, v: archive_rpc.TraceEntryView) -> Self:
        return cls(
            seq=v.seq,
            event_id=str(v.event_id),
            event_type=v.event_type,
            occurred_at=v.occurred_at,
            recorded_at=v.recorded_at,
            actor=v.actor,
            tenant=v.tenant,
            payload_sha256=v.payload_sha256,
            prev_hash=v.prev_hash,
            entry_hash=v.entry_hash,
        )


@strawberry.type(description="Fee terms of the hosting agreement.")
class FeeTerms:
    amount: Decimal
    currency: str
    basis: str = strawberry.field(description="fixed, per_period or on_results.")
    schedule: str
    pay_by_results: PayByResults | None = strawberry.field(
        default=None, description="How the grade moves the fee; null: not by results."
    )


@strawberry.federation.type(
    keys=["id"], description="A hosting engagement (托管服务) of an agency for a unit."
)
class Engagement(relay.Node):
    id: relay.NodeID[str]
    agency_id: str = strawberry.field(description="The hosting-service agency (托管服务单位).")
    service_modes: list[ServiceMode]
    period_start: date
    period_end: date
    stage: Stage
    created_at: datetime
    unit_id: strawberry.Private[UUID]
    status: EngagementStatus = EngagementStatus.ACTIVE
    status_reason: str | None = strawberry.field(
        default=None, description="Why it was suspended, terminated or cancelled."
    )
    status_on: date | None = strawberry.field(
        default=None, description="Suspended from, resumed on, terminated on or cancelled on."
    )
    terminated_by_agreement: bool | None = strawberry.field(
        default=None, description="Terminated early by agreement of both parties."
    )
    fees: strawberry.Private[rpc.FeeTerms | None] = None
    method: strawberry.Private[rpc.AssessmentMethod | None] = None
    accepted_on: strawberry.Private[date | None] = None
    client_id: strawberry.Private[UUID | None] = None
    results_basis: ResultsBasis = strawberry.field(
        default=ResultsBasis.UNITS,
        description="What its results (C 三) are measured on: the units' own, or the area's "
        "environment (C 三.1) for a regional engagement.",
    )

    @classmethod
    def from_view(cls, v: rpc.EngagementView) -> Self:
        return cls(
            id=str(v.id),
            agency_id=str(v.agency_id),
            service_modes=[ServiceMode(m) for m in v.service_modes],
            period_start=v.period_start,
            period_end=v.period_end,
            stage=Stage(v.stage),
            created_at=v.created_at,
            unit_id=v.unit_id,
            fees=v.fee_terms,
            status=EngagementStatus(v.status),
            status_reason=v.status_reason,
            status_on=v.status_on,
            terminated_by_agreement=v.terminated_by_agreement,
            method=v.assessment,
            accepted_on=v.results_accepted_on,
            client_id=v.client_id,
            results_basis=ResultsBasis(v.results_basis or ResultsBasis.UNITS),
        )

    @strawberry.field(
        description="The unit served; null if you may not see it.", graphql_type=Unit | None
    )
    def unit(self, info: Info[Context, None]) -> Maybe[Unit | None]:
        ctx = info.context
        if not ctx.authorizer.can("unit", "read"):
            return None
        return now_or_later(ctx.loaders.units, self.unit_id, _unit_of)

    @strawberry.field(
        description="委托方 other than the unit (a park, group or region); null for a "
        "single-unit engagement or if you may not see it."
    )
    async def client(
        self, info: Info[Context, None]
    ) -> Annotated[Client, strawberry.lazy("gateway.engagement.registry_types")] | None:
        from gateway.engagement.registry_queries import visible_client

        return await visible_client(info.context, self.client_id) if self.client_id else None

    @strawberry.field(
        description="The units a client's engagement covers, the lead unit included, those "
        "you may see; a single-unit engagement: its unit."
    )
    async def covered_units(self, info: Info[Context, None]) -> list[Unit]:
        ctx = info.context
        ids = [self.unit_id]
        if self.client_id is not None:
            scope = scope_of(ctx.authorizer)
            [ids] = await ctx.clients.engagement.covered_units([UUID(self.id)], scope)
        found = [await visible_unit(ctx, i) for i in ids]
        return [u for u in found if u is not None]

    @strawberry.field(
        description="What happened, in order, as recorded by the archive's ledger. "
        "Null if you may not read traces.",
        graphql_type=list[TraceEntry] | None,
    )
    def trace(self, info: Info[Context, None]) -> Maybe[list[TraceEntry] | None]:
        ctx = info.context
        if not ctx.authorizer.can("trace", "read"):
            return None
        return now_or_later(ctx.loaders.traces, UUID(self.id), _entries_of)

    @strawberry.field(
        description="Whether the evaluation service has registered this engagement for "
        "its performance evaluation (R4.2.5)."
    )
    async def evaluation_registered(self, info: Info[Context, None]) -> bool:
        registration = await info.context.loaders.registrations.load(UUID(self.id))
        return registration is not None

    @strawberry.field(
        description="The engagement's latest scorecard: of its current (not amended) "
        "scorecards, the one whose period ends last. Null if none is open yet or you may "
        "not read scorecards.",
        graphql_type=Annotated["Scorecard", strawberry.lazy("gateway.evaluation.types")] | None,
    )
    def latest_scorecard(self, info: Info[Context, None]) -> Maybe[Scorecard | None]:
        from gateway.evaluation.types import Scorecard

        ctx = info.context
        if not ctx.authorizer.can("scorecard", "read"):
            return None
        return now_or_later(
            ctx.loaders.latest_scorecards,
            UUID(self.id),
            lambda found: Scorecard.from_view(found) if found else None,
        )

    async def _workflow(
        self, info: Info[Context, None]
    ) -> engagement_rpc_workflow.WorkflowView | None:
        # strawberry's Info does not expose the fragments; graphql-core's does.
        parts = workflow_parts(info.operation, info._raw_info.fragments)
        return await info.context.loaders.selected_workflows.load((UUID(self.id), parts))

    def _from_workflow(
        self,
        info: Info[Context, None],
        convert: Callable[[engagement_rpc_workflow.WorkflowView | None], R | Awaitable[R]],
    ) -> Maybe[R]:
        """`convert` of the workflow, at once when the page prefetched it."""
        parts = workflow_parts(info.operation, info._raw_info.fragments)
        key = (UUID(self.id), parts)
        return now_or_later(info.context.loaders.selected_workflows, key, convert)

    @strawberry.field(
        description="托管服务清单 (R4.2.2.1), in the order added; voided items only if asked.",
        graphql_type=list[ListItem],
    )
    def list_items(
        self, info: Info[Context, None], include_voided: bool = False
    ) -> Maybe[list[ListItem]]:
        return self._from_workflow(
            info, lambda view: list_items_of(view, include_voided) if view else []
        )

    @strawberry.field(description="The service team (R4.2.2.2); voided members only if asked.")
    async def team(
        self, info: Info[Context, None], include_voided: bool = False
    ) -> list[TeamMember]:
        view = await self._workflow(info)
        return team_of(view, include_voided) if view else []

    @strawberry.field(
        description="Team size the contract requires (C.一.1).", graphql_type=int | None
    )
    def contracted_team_size(self, info: Info[Context, None]) -> Maybe[int | None]:
        return self._from_workflow(info, lambda view: view.contracted_team_size if view else None)

    @strawberry.field(description="Implementation plan versions, oldest first.")
    async def plan_versions(self, info: Info[Context, None]) -> list[PlanVersion]:
        view = await self._workflow(info)
        return plans_of(view) if view else []

    @strawberry.field(
        description="Appendix A document checklist with completeness.", graphql_type=Checklist
    )
    def checklist(self, info: Info[Context, None]) -> Maybe[Checklist]:
        def build(view: engagement_rpc_workflow.WorkflowView | None) -> Maybe[Checklist]:
            if view is None:
                return Checklist(entries=[], titles={})
            if view.checklist_counts is not None:  # completeness only: no titles needed
                return Checklist(entries=[], titles={}, counts=view.checklist_counts)
            return now_or_later(
                info.context.loaders.checklist_definitions,
                CHECKLIST_VERSION,
                lambda definition: checklist_of(view, definition),
            )

        return self._from_workflow(info, build)

    @strawberry.field(
        description="Recorded activities (current versions), oldest first; optionally of one "
        "kind; voided records only if asked."
    )
    async def records(
        self, info: Info[Context, None], kind: str | None = None, include_voided: bool = False
    ) -> list[ServiceRecord]:
        view = await self._workflow(info)
        return records_of(view, kind, include_voided) if view else []

    @strawberry.field(
        description="How the agency is paid; null if not recorded or you may not see it."
    )
    def fee_terms(self, info: Info[Context, None]) -> FeeTerms | None:
        if self.fees is None or not info.context.authorizer.can("fee_terms", "read"):
            return None
        pay = self.fees.pay_by_results
        return FeeTerms(
            **self.fees.model_dump(exclude={"pay_by_results"}),
            pay_by_results=PayByResults.from_contract(pay) if pay else None,
        )

    @strawberry.field(
        description="考核办法 (R4.2.5): who evaluates, with which template, for which periods. "
        "Null: recorded before assessment methods were, the agency's own evaluators score."
    )
    def assessment(self) -> AssessmentMethod | None:
        return AssessmentMethod.from_contract(self.method) if self.method else None

    @strawberry.field(description="验收: the day the client accepted the handed-over results.")
    def results_accepted_on(self) -> date | None:
        return self.accepted_on

    @strawberry.field(description="Rectification items (整改), oldest first.")
    async def rectifications(self, info: Info[Context, None]) -> list[Rectification]:
        view = await self._workflow(info)
        return [Rectification.from_view(r) for r in view.rectifications] if view else []

    @strawberry.field(description="Stage reports, every version, by report number.")
    async def stage_reports(self, info: Info[Context, None]) -> list[StageReport]:
        view = await self._workflow(info)
        return reports_of(view) if view else []

    @strawberry.field(graphql_type=date | None)
    def contract_signed_on(self, info: Info[Context, None]) -> Maybe[date | None]:
        return self._from_workflow(info, lambda view: view.contract_signed_on if view else None)

    @strawberry.field
    async def handed_over_on(self, info: Info[Context, None]) -> date | None:
        view = await self._workflow(info)
        return view.handed_over_on if view else None

    @strawberry.field(description="Archive item ids of the deliverables handed over.")
    async def deliverables(self, info: Info[Context, None]) -> list[str]:
        view = await self._workflow(info)
        return view.deliverables if view else []

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ctx = info.context
        if not ctx.authorizer.can("engagement", "read"):
            return [None for _ in node_ids]
        views = await ctx.loaders.engagements.load_many([UUID(i) for i in node_ids])
        return [cls.from_view(v) if v else None for v in views]

    @classmethod
    async def resolve_reference(cls, info: Info[Context, None], id: strawberry.ID) -> Self | None:
        """Federation `_entities`: the same checks as `node`; a denied entity is null."""
        try:
            uuid = decode_global_id(id, "Engagement", field="id")
        except ValidationFailed:
            return None
        [found] = await cls.resolve_nodes(info=info, node_ids=[str(uuid)])
        return found


@strawberry.type(name="UnitConnection", description="A page of units.")
class UnitConnection(relay.Connection[Unit]):
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(name="EngagementConnection", description="A page of engagements.")
class EngagementConnection(relay.Connection[Engagement]):
    total_count: int = strawberry.field(description=TOTAL_COUNT)


def _unit_of(view: engagement_rpc_directory.UnitView | None) -> Unit | None:
    return Unit.from_view(view) if view else None


def _entries_of(entries: list[archive_rpc.TraceEntryView]) -> list[TraceEntry]:
    return [TraceEntry.from_view(e) for e in entries]


async def visible_unit(ctx: Context, unit_id: UUID) -> Unit | None:
    """The unit if the caller may read units and this one is in scope; else None."""
    if not ctx.authorizer.can("unit", "read"):
        return None
    view = await ctx.loaders.units.load(unit_id)
    return Unit.from_view(view) if view else None


async def visible_engagement(ctx: Context, engagement_id: UUID) -> Engagement | None:
    """The engagement if the caller may read engagements and this one is in scope."""
    if not ctx.authorizer.can("engagement", "read"):
        return None
    view = await ctx.loaders.engagements.load(engagement_id)
    return Engagement.from_view(view) if view else None
