"""Per-request DataLoaders: one NATS round trip per level of a query, not per row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from strawberry.dataloader import DataLoader

from contracts import core
from contracts.archive import rpc as archive_rpc
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as d
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement import rpc_workflow as wf
from contracts.evaluation import rpc as ev
from contracts.evaluation import rpc as evaluation_rpc
from gateway.clients import Services


@dataclass
class Loaders:
    units: DataLoader[UUID, engagement_rpc_directory.UnitView | None]
    units_by_uscc: DataLoader[str, engagement_rpc_directory.UnitView | None]
    engagements: DataLoader[UUID, rpc.EngagementView | None]
    traces: DataLoader[UUID, list[archive_rpc.TraceEntryView]]
    registrations: DataLoader[UUID, evaluation_rpc.EvaluationRegistrationView | None]
    workflows: DataLoader[UUID, wf.WorkflowView | None]
    checklist_definitions: DataLoader[int, wf.ChecklistDefinitionReply]
    unit_profiles: DataLoader[UUID, d.UnitProfile | None]
    scorecards: DataLoader[UUID, ev.ScorecardView | None]
    latest_scorecards: DataLoader[UUID, ev.ScorecardSummary | None]


def build_loaders(services: Services, scope: core.Scope) -> Loaders:
    async def units(ids: Sequence[UUID]) -> list[engagement_rpc_directory.UnitView | None]:
        return await services.units(list(ids), scope)

    async def units_by_uscc(codes: Sequence[str]) -> list[engagement_rpc_directory.UnitView | None]:
        return await services.units_by_uscc(list(codes), scope)

    async def engagements(ids: Sequence[UUID]) -> list[rpc.EngagementView | None]:
        return await services.engagements(list(ids), scope)

    async def traces(ids: Sequence[UUID]) -> list[list[archive_rpc.TraceEntryView]]:
        return await services.traces(list(ids))

    async def registrations(
        ids: Sequence[UUID],
    ) -> list[evaluation_rpc.EvaluationRegistrationView | None]:
        return await services.registrations(list(ids))

    async def workflows(ids: Sequence[UUID]) -> list[wf.WorkflowView | None]:
        return await services.workflows(list(ids), scope)

    async def unit_profiles(ids: Sequence[UUID]) -> list[d.UnitProfile | None]:
        req = d.UnitProfileRequest(unit_ids=list(ids), scope=scope)
        return (await services.call(d.GET_UNIT_PROFILES, req)).items

    async def scorecards(ids: Sequence[UUID]) -> list[ev.ScorecardView | None]:
        req = ev.GetScorecardsRequest(ids=list(ids), scope=scope)
        return (await services.call(ev.GET_SCORECARDS, req)).items

    async def latest_scorecards(ids: Sequence[UUID]) -> list[ev.ScorecardSummary | None]:
        req = ev.LatestScorecardsRequest(engagement_ids=list(ids), scope=scope)
        return (await services.call(ev.LATEST_SCORECARDS, req)).items

    async def checklist_definitions(versions: Sequence[int]) -> list[wf.ChecklistDefinitionReply]:
        # Reference data: one call per request, whatever the number of engagements.
        return [
            await services.call(wf.CHECKLIST_DEFINITION, wf.ChecklistDefinitionRequest(version=v))
            for v in versions
        ]

    return Loaders(
        units=DataLoader(load_fn=units),
        units_by_uscc=DataLoader(load_fn=units_by_uscc),
        engagements=DataLoader(load_fn=engagements),
        traces=DataLoader(load_fn=traces),
        registrations=DataLoader(load_fn=registrations),
        workflows=DataLoader(load_fn=workflows),
        checklist_definitions=DataLoader(load_fn=checklist_definitions),
        unit_profiles=DataLoader(load_fn=unit_profiles),
        # Bounded: several 500-row lists in one query must not become one reply
        # too large for a NATS message.
        scorecards=DataLoader(load_fn=scorecards, max_batch_size=200),
        latest_scorecards=DataLoader(load_fn=latest_scorecards, max_batch_size=500),
    )
