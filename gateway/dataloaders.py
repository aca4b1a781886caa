"""Per-request DataLoaders: the objects a query reaches on one level are fetched in one
NATS request per loader (per batch of `max_batch_size` where one is set), not one per row."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from contracts import core
from contracts.archive import rpc as archive_rpc
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement import rpc_import as engagement_rpc_import
from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from contracts.evaluation import rpc as evaluation_rpc
from gateway.clients import ServiceClients

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")

WorkflowParts = tuple[engagement_rpc_workflow.WorkflowPart, ...]


@dataclass
class Loaders:
    units: DataLoader[UUID, engagement_rpc_directory.UnitView | None]
    units_by_uscc: DataLoader[str, engagement_rpc_directory.UnitView | None]
    engagements: DataLoader[UUID, rpc.EngagementView | None]
    traces: DataLoader[UUID, list[archive_rpc.TraceEntryView]]
    registrations: DataLoader[UUID, evaluation_rpc.EvaluationRegistrationView | None]
    workflows: DataLoader[UUID, engagement_rpc_workflow.WorkflowView | None]
    """Whole workflows, for commands that look into them."""
    selected_workflows: DataLoader[
        tuple[UUID, WorkflowParts], engagement_rpc_workflow.WorkflowView | None
    ]
    """Workflows with only the lists an operation selects (`gateway.engagement.selection`),
    keyed by both: what the engagement fields read. A 50-row dashboard does not read 50
    teams, plans and records."""
    checklist_definitions: DataLoader[int, engagement_rpc_workflow.ChecklistDefinitionReply]
    unit_profiles: DataLoader[UUID, engagement_rpc_directory.UnitProfile | None]
    scorecards: DataLoader[UUID, evaluation_rpc.ScorecardView | None]
    latest_scorecards: DataLoader[UUID, evaluation_rpc.ScorecardSummary | None]
    archive_items: DataLoader[UUID, archive_rpc_catalogue.ItemView | None]
    """Items as the caller may see them (tenant and 密级): a record's evidence."""
    unit_versions: DataLoader[UUID, list[engagement_rpc_workflow.RevisionView]]
    unit_contacts: DataLoader[UUID, list[engagement_rpc_import.UnitContactView]]


def build_loaders(clients: ServiceClients, scope: core.Scope, clearance: int = 0) -> Loaders:
    engagement, evaluation, archive = clients.engagement, clients.evaluation, clients.archive
    caller = archive_rpc_catalogue.Caller(scope=scope, clearance=max(0, min(3, clearance)))

    async def units(ids: Sequence[UUID]) -> list[engagement_rpc_directory.UnitView | None]:
        return await engagement.units(list(ids), scope)

    async def units_by_uscc(codes: Sequence[str]) -> list[engagement_rpc_directory.UnitView | None]:
        return await engagement.units_by_uscc(list(codes), scope)

    async def engagements(ids: Sequence[UUID]) -> list[rpc.EngagementView | None]:
        return await engagement.engagements(list(ids), scope)

    async def traces(ids: Sequence[UUID]) -> list[list[archive_rpc.TraceEntryView]]:
        return await archive.traces(list(ids))

    async def registrations(
        ids: Sequence[UUID],
    ) -> list[evaluation_rpc.EvaluationRegistrationView | None]:
        return await evaluation.registrations(list(ids))

    async def workflows(ids: Sequence[UUID]) -> list[engagement_rpc_workflow.WorkflowView | None]:
        return await engagement.workflows(list(ids), scope)

    async def selected_workflows(
        keys: Sequence[tuple[UUID, WorkflowParts]],
    ) -> list[engagement_rpc_workflow.WorkflowView | None]:
        # One request per distinct selection: one per operation, so one in practice.
        by_parts: dict[WorkflowParts, list[UUID]] = {}
        for engagement_id, parts in keys:
            by_parts.setdefault(parts, []).append(engagement_id)
        found: dict[tuple[UUID, WorkflowParts], engagement_rpc_workflow.WorkflowView | None] = {}
        for parts, ids in by_parts.items():
            views = await engagement.workflows(ids, scope, list(parts))
            found.update(((i, parts), v) for i, v in zip(ids, views, strict=True))
        return [found[k] for k in keys]

    async def unit_profiles(
        ids: Sequence[UUID],
    ) -> list[engagement_rpc_directory.UnitProfile | None]:
        return await engagement.unit_profiles(list(ids), scope)

    async def scorecards(ids: Sequence[UUID]) -> list[evaluation_rpc.ScorecardView | None]:
        return await evaluation.scorecards(list(ids), scope)

    async def latest_scorecards(
        ids: Sequence[UUID],
    ) -> list[evaluation_rpc.ScorecardSummary | None]:
        return await evaluation.latest_scorecards(list(ids), scope)

    async def archive_items(ids: Sequence[UUID]) -> list[archive_rpc_catalogue.ItemView | None]:
        return await archive.items(archive_rpc_catalogue.GetItemsRequest(caller=caller, ids=ids))

    async def unit_versions(
        ids: Sequence[UUID],
    ) -> list[list[engagement_rpc_workflow.RevisionView]]:
        return await engagement.unit_versions(list(ids), scope)

    async def checklist_definitions(
        versions: Sequence[int],
    ) -> list[engagement_rpc_workflow.ChecklistDefinitionReply]:
        # Reference data: one request per checklist version in use (in practice one),
        # whatever the number of engagements.
        return [await engagement.checklist_definition(v) for v in versions]

    async def unit_contacts(
        ids: Sequence[UUID],
    ) -> list[list[engagement_rpc_import.UnitContactView]]:
        return await engagement.unit_contacts(list(ids), scope)

    return Loaders(
        units=DataLoader(load_fn=units),
        units_by_uscc=DataLoader(load_fn=units_by_uscc),
        engagements=DataLoader(load_fn=engagements),
        traces=DataLoader(load_fn=traces),
        registrations=DataLoader(load_fn=registrations),
        workflows=DataLoader(load_fn=workflows),
        selected_workflows=DataLoader(load_fn=selected_workflows),
        checklist_definitions=DataLoader(load_fn=checklist_definitions),
        unit_profiles=DataLoader(load_fn=unit_profiles),
        # Bounded: several 500-row lists in one query must not become one reply
        # too large for a NATS message.
        scorecards=DataLoader(load_fn=scorecards, max_batch_size=200),
        latest_scorecards=DataLoader(load_fn=latest_scorecards, max_batch_size=500),
        archive_items=DataLoader(load_fn=archive_items, max_batch_size=500),
        unit_versions=DataLoader(load_fn=unit_versions, max_batch_size=500),
        unit_contacts=DataLoader(load_fn=unit_contacts, max_batch_size=500),
    )


def now_or_later(
    loader: DataLoader[K, V], key: K, convert: Callable[[V], R | Awaitable[R]]
) -> R | Awaitable[R]:
    """`convert` of what `loader` holds for `key`: at once when it is already loaded (a
    page prefetched it, `gateway.engagement.prefetch`), else an awaitable of it.

    A resolver that returns a value, not a coroutine, costs graphql-core no task: on a
    50-row page, seven fields a row awaited one each, and creating and scheduling those
    tasks was a tenth of the gateway's CPU. A failed or pending load is awaited as
    before, so its error reaches the field the same way. `convert` may itself need to
    await (a second loader); then its awaitable is what the field gets.
    """
    future = loader.cache_map.get(key)
    loaded = future is not None and future.done() and not future.cancelled()
    if loaded and future.exception() is None:  # type: ignore[union-attr]
        return convert(future.result())  # type: ignore[union-attr]

    async def later() -> R:
        converted = convert(await loader.load(key))
        return await converted if inspect.isawaitable(converted) else converted

    return later()
