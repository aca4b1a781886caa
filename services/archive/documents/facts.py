"""Gathering an engagement's facts (`EngagementFacts`) from the services that own them,
in the requester's name: each service filters with the requester's scope, so a document
shows nothing its requester could not read, and an engagement out of scope is not found.

The archive asks over request/reply because the facts are read at the moment of
generation (the ledger then records exactly which events the document reflects)."""

from __future__ import annotations

import asyncio
from uuid import UUID

from contracts.archive.documents import EngagementFacts
from contracts.archive.rpc_catalogue import Caller
from contracts.core import Page
from contracts.engagement import rpc as engagement_rpc
from contracts.engagement import rpc_directory, rpc_workflow
from contracts.engagement.errors import EngagementNotFound
from contracts.engagement.rpc import EngagementView
from contracts.evaluation import rpc as evaluation_rpc
from kit.rpc import CallContext, RpcClient

# Scorecards of one engagement: a handful (one per evaluation period and amendment).
SCORECARD_LIMIT = 500


async def visible_engagement(
    rpc: RpcClient, ctx: CallContext, caller: Caller, engagement_id: UUID
) -> EngagementView:
    """The engagement as the requester may see it; EngagementNotFound otherwise."""
    reply = await rpc.call(
        engagement_rpc.GET_ENGAGEMENTS,
        engagement_rpc.GetManyRequest(ids=[engagement_id], scope=caller.scope),
        ctx,
    )
    [engagement] = reply.items
    if engagement is None:
        raise EngagementNotFound("no such engagement", field="engagement_id")
    return engagement


async def gather(
    rpc: RpcClient, ctx: CallContext, caller: Caller, engagement_id: UUID
) -> EngagementFacts:
    engagement = await visible_engagement(rpc, ctx, caller, engagement_id)
    (units, profiles, agency, workflows, scorecards), references = await asyncio.gather(
        _records(rpc, ctx, caller, engagement), _references(rpc, ctx, caller)
    )
    catalogue, checklist, templates = references
    [unit], [profile], [workflow] = units.items, profiles.items, workflows.items
    if unit is None or workflow is None:
        # Visible a moment ago: the scope changed in between. As if it did not exist.
        raise EngagementNotFound("no such engagement", field="engagement_id")
    return EngagementFacts(
        engagement=engagement,
        unit=unit,
        unit_profile=profile,
        agency=agency.agency,
        workflow=current(workflow),
        scorecards=scorecards,
        catalogue=catalogue.items,
        checklist_definition=checklist.items,
        evaluation_templates=[t.definition for t in templates.items],
    )


def current(workflow: rpc_workflow.WorkflowView) -> rpc_workflow.WorkflowView:
    """What documents show: the current versions, without voided (作废) rows."""
    return workflow.model_copy(
        update={
            "records": [r for r in workflow.records if not r.voided],
            "list_items": [i for i in workflow.list_items if not i.voided],
            "team": [m for m in workflow.team if not m.voided],
        }
    )


async def _records(
    rpc: RpcClient, ctx: CallContext, caller: Caller, engagement: EngagementView
) -> tuple[
    rpc_directory.UnitsReply,
    rpc_directory.UnitProfileReply,
    rpc_directory.AgencyReply,
    rpc_workflow.WorkflowReply,
    list[evaluation_rpc.ScorecardView],
]:
    scope, engagement_id = caller.scope, engagement.id
    return await asyncio.gather(
        rpc.call(
            rpc_directory.GET_UNITS,
            engagement_rpc.GetManyRequest(ids=[engagement.unit_id], scope=scope),
            ctx,
        ),
        rpc.call(
            rpc_directory.GET_UNIT_PROFILES,
            rpc_directory.UnitProfileRequest(unit_ids=[engagement.unit_id], scope=scope),
            ctx,
        ),
        rpc.call(
            rpc_directory.GET_AGENCY,
            rpc_directory.AgencyRequest(agency_id=engagement.agency_id),
            ctx,
        ),
        rpc.call(
            rpc_workflow.GET_WORKFLOWS,
            rpc_workflow.WorkflowRequest(engagement_ids=[engagement_id], scope=scope),
            ctx,
        ),
        _scorecards(rpc, ctx, caller, engagement_id),
    )


async def _references(
    rpc: RpcClient, ctx: CallContext, caller: Caller
) -> tuple[
    rpc_workflow.CatalogueReply,
    rpc_workflow.ChecklistDefinitionReply,
    evaluation_rpc.TemplatesReply,
]:
    """Reference data the documents print names from."""
    return await asyncio.gather(
        rpc.call(rpc_workflow.GET_CATALOGUE, rpc_workflow.CatalogueRequest(), ctx),
        rpc.call(rpc_workflow.CHECKLIST_DEFINITION, rpc_workflow.ChecklistDefinitionRequest(), ctx),
        rpc.call(
            evaluation_rpc.LIST_TEMPLATES,
            evaluation_rpc.ListTemplatesRequest(scope=caller.scope),
            ctx,
        ),
    )


async def _scorecards(
    rpc: RpcClient, ctx: CallContext, caller: Caller, engagement_id: UUID
) -> list[evaluation_rpc.ScorecardView]:
    page = await rpc.call(
        evaluation_rpc.LIST_SCORECARDS,
        evaluation_rpc.ListScorecardsRequest(
            scope=caller.scope,
            filter=evaluation_rpc.ScorecardFilter(engagement_id=engagement_id),
            page=Page(limit=SCORECARD_LIMIT),
        ),
        ctx,
    )
    if not page.items:
        return []
    reply = await rpc.call(
        evaluation_rpc.GET_SCORECARDS,
        evaluation_rpc.GetScorecardsRequest(ids=[s.id for s in page.items], scope=caller.scope),
        ctx,
    )
    return [s for s in reply.items if s is not None]
