"""Typed clients of the services, as the gateway sees them.

All calls carry the caller's identity and the request id in NATS headers; the
scope computed by the authorizer goes in the payload so services filter in SQL.
"""

from __future__ import annotations

from uuid import UUID

from contracts import core
from contracts.archive import rpc as archive_rpc
from contracts.archive import rpc as ledger_rpc
from contracts.core import Rpc
from contracts.engagement import actions as engagement_actions
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement import rpc_workflow as wf
from contracts.evaluation import rpc as evaluation_rpc
from kit.rpc import CallContext, Req, Resp, RpcClient


class Services:
    def __init__(self, client: RpcClient, ctx: CallContext) -> None:
        self.client = client
        self.ctx = ctx

    async def call(self, rpc_: Rpc[Req, Resp], request: Req) -> Resp:
        """Any service call with this request's identity (for contracts without a helper)."""
        return await self.client.call(rpc_, request, self.ctx)

    async def create_unit(
        self, req: engagement_rpc_directory.CreateUnitRequest
    ) -> engagement_rpc_directory.UnitView:
        return await self.client.call(engagement_rpc_directory.CREATE_UNIT, req, self.ctx)

    async def units(
        self, ids: list[UUID], scope: core.Scope
    ) -> list[engagement_rpc_directory.UnitView | None]:
        reply = await self.client.call(
            engagement_rpc_directory.GET_UNITS, rpc.GetManyRequest(ids=ids, scope=scope), self.ctx
        )
        return reply.items

    async def units_by_uscc(
        self, usccs: list[str], scope: core.Scope
    ) -> list[engagement_rpc_directory.UnitView | None]:
        reply = await self.client.call(
            engagement_rpc_directory.GET_UNITS_BY_USCC,
            engagement_rpc_directory.UnitsByUsccRequest(usccs=usccs, scope=scope),
            self.ctx,
        )
        return reply.items

    async def list_units(
        self, scope: core.Scope, page: core.Page
    ) -> engagement_rpc_directory.UnitPage:
        return await self.client.call(
            engagement_rpc_directory.LIST_UNITS,
            engagement_rpc_directory.ListUnitsRequest(scope=scope, page=page),
            self.ctx,
        )

    async def create_engagement(self, req: rpc.CreateEngagementRequest) -> rpc.EngagementView:
        return await self.client.call(rpc.CREATE_ENGAGEMENT, req, self.ctx)

    async def engagements(
        self, ids: list[UUID], scope: core.Scope
    ) -> list[rpc.EngagementView | None]:
        reply = await self.client.call(
            rpc.GET_ENGAGEMENTS, rpc.GetManyRequest(ids=ids, scope=scope), self.ctx
        )
        return reply.items

    async def list_engagements(self, req: rpc.ListEngagementsRequest) -> rpc.EngagementPage:
        return await self.client.call(rpc.LIST_ENGAGEMENTS, req, self.ctx)

    async def due_items(self, req: wf.DueItemsRequest) -> list[wf.DueItemView]:
        return (await self.client.call(wf.DUE_ITEMS, req, self.ctx)).items

    async def act(
        self, engagement_id: UUID, scope: core.Scope, action: engagement_actions.Action
    ) -> rpc.EngagementView:
        req = engagement_actions.ActRequest(engagement_id=engagement_id, scope=scope, action=action)
        return await self.client.call(wf.ACT, req, self.ctx)

    async def workflows(self, ids: list[UUID], scope: core.Scope) -> list[wf.WorkflowView | None]:
        reply = await self.client.call(
            wf.GET_WORKFLOWS, wf.WorkflowRequest(engagement_ids=ids, scope=scope), self.ctx
        )
        return reply.items

    async def catalogue(self, version: int | None) -> list[wf.CatalogueItemView]:
        reply = await self.client.call(
            wf.GET_CATALOGUE, wf.CatalogueRequest(version=version), self.ctx
        )
        return reply.items

    async def traces(self, engagement_ids: list[UUID]) -> list[list[archive_rpc.TraceEntryView]]:
        reply = await self.client.call(
            archive_rpc.GET_TRACES,
            archive_rpc.TraceRequest(engagement_ids=engagement_ids),
            self.ctx,
        )
        return reply.traces

    async def verify_trace(self, engagement_id: UUID) -> archive_rpc.VerifyTraceReply:
        return await self.client.call(
            archive_rpc.VERIFY_TRACE,
            archive_rpc.VerifyTraceRequest(engagement_id=engagement_id),
            self.ctx,
        )

    async def registrations(
        self, engagement_ids: list[UUID]
    ) -> list[evaluation_rpc.EvaluationRegistrationView | None]:
        reply = await self.client.call(
            evaluation_rpc.GET_REGISTRATIONS,
            evaluation_rpc.RegistrationsRequest(engagement_ids=engagement_ids),
            self.ctx,
        )
        return reply.items

    # --- archive ledger ------------------------------------------------------------

    async def ledger_key(self) -> ledger_rpc.LedgerKeyView:
        return await self.client.call(ledger_rpc.LEDGER_KEY, ledger_rpc.Empty(), self.ctx)

    async def create_checkpoint(self) -> ledger_rpc.CheckpointView:
        return await self.client.call(ledger_rpc.CREATE_CHECKPOINT, ledger_rpc.Empty(), self.ctx)

    async def checkpoints(self, limit: int, before: int | None) -> list[ledger_rpc.CheckpointView]:
        req = ledger_rpc.CheckpointsRequest(limit=limit, before=before)
        return (await self.client.call(ledger_rpc.LIST_CHECKPOINTS, req, self.ctx)).items

    async def ledger_entries(
        self, indexes: list[int], event_ids: list[UUID]
    ) -> list[ledger_rpc.LedgerEntryView | None]:
        req = ledger_rpc.LedgerEntriesRequest(indexes=indexes, event_ids=event_ids)
        return (await self.client.call(ledger_rpc.GET_LEDGER_ENTRIES, req, self.ctx)).items

    async def inclusion_proof(
        self, index: int, tree_size: int | None
    ) -> ledger_rpc.InclusionProofView:
        req = ledger_rpc.InclusionProofRequest(index=index, tree_size=tree_size)
        return await self.client.call(ledger_rpc.INCLUSION_PROOF, req, self.ctx)

    async def consistency_proof(
        self, from_size: int, to_size: int
    ) -> ledger_rpc.ConsistencyProofView:
        req = ledger_rpc.ConsistencyProofRequest(from_size=from_size, to_size=to_size)
        return await self.client.call(ledger_rpc.CONSISTENCY_PROOF, req, self.ctx)

    async def provenance(
        self, engagement_id: UUID, tree_size: int | None
    ) -> ledger_rpc.ProvenanceView:
        req = ledger_rpc.ProvenanceRequest(engagement_id=engagement_id, tree_size=tree_size)
        return await self.client.call(ledger_rpc.PROVENANCE, req, self.ctx)
