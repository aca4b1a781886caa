"""Per-request DataLoaders: the objects a query reaches on one level are fetched in one
NATS request per loader (per batch of `max_batch_size` where one is set), not one per row."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
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

WorkflowParts = tuple[engagement_rpc_workflow.WorkflowPart, ...]


class Loaders:
    """The request's loaders, each made when first used: a mutation uses none of them,
    and making all fifteen (a DataLoader and its batch function each) was a tenth of
    the gateway's CPU per createEngagement. The caller's scope too is worked out when a
    loader first needs it (`scope` may be a function giving it)."""

    def __init__(
        self,
        clients: ServiceClients,
        scope: core.Scope | Callable[[], core.Scope],
        clearance: int = 0,
    ) -> None:
        self._clients = clients
        self._scope_of = scope if callable(scope) else lambda: scope
        self._clearance = clearance

    @cached_property
    def _scope(self) -> core.Scope:
        return self._scope_of()

    @cached_property
    def _caller(self) -> archive_rpc_catalogue.Caller:
        return archive_rpc_catalogue.Caller(
            scope=self._scope, clearance=max(0, min(3, self._clearance))
        )

    @cached_property
    def units(self) -> DataLoader[UUID, engagement_rpc_directory.UnitView | None]:
        engagement, scope = self._clients.engagement, self._scope

        async def load(ids: Sequence[UUID]) -> list[engagement_rpc_directory.UnitView | None]:
            return await engagement.units(list(ids), scope)

        return DataLoader(load_fn=load)

    @cached_property
    def units_by_uscc(self) -> DataLoader[str, engagement_rpc_directory.UnitView | None]:
        engagement, scope = self._clients.engagement, self._scope

        async def load(codes: Sequence[str]) -> list[engagement_rpc_directory.UnitView | None]:
            return await engagement.units_by_uscc(list(codes), scope)

        return DataLoader(load_fn=load)

    @cached_property
    def engagements(self) -> DataLoader[UUID, rpc.EngagementView | None]:
        engagement, scope = self._clients.engagement, self._scope

        async def load(ids: Sequence[UUID]) -> list[rpc.EngagementView | None]:
            return await engagement.engagements(list(ids), scope)

        return DataLoader(load_fn=load)

    @cached_property
    def traces(self) -> DataLoader[UUID, list[archive_rpc.TraceEntryView]]:
        archive = self._clients.archive

        async def load(ids: Sequence[UUID]) -> list[list[archive_rpc.TraceEntryView]]:
            return await archive.traces(list(ids))

        return DataLoader(load_fn=load)

    @cached_property
    def registrations(
        self,
    ) -> DataLoader[UUID, evaluation_rpc.EvaluationRegistrationView | None]:
        evaluation = self._clients.evaluation

        async def load(
            ids: Sequence[UUID],
        ) -> list[evaluation_rpc.EvaluationRegistrationView | None]:
            return await evaluation.registrations(list(ids))

        return DataLoader(load_fn=load)

    @cached_property
    def workflows(self) -> DataLoader[UUID, engagement_rpc_workflow.WorkflowView | None]:
        """Whole workflows, for commands that look into them."""
        engagement, scope = self._clients.engagement, self._scope

        async def load(ids: Sequence[UUID]) -> list[engagement_rpc_workflow.WorkflowView | None]:
            return await engagement.workflows(list(ids), scope)

        return DataLoader(load_fn=load)

    @cached_property
    def selected_workflows(
        self,
    ) -> DataLoader[tuple[UUID, WorkflowParts], engagement_rpc_workflow.WorkflowView | None]:
        """Workflows with only the lists an operation selects (`gateway.engagement.selection`),
        keyed by both: what the engagement fields read. A 50-row dashboard does not read 50
        teams, plans and records."""
        engagement, scope = self._clients.engagement, self._scope

        async def load(
            keys: Sequence[tuple[UUID, WorkflowParts]],
        ) -> list[engagement_rpc_workflow.WorkflowView | None]:
            # One request per distinct selection: one per operation, so one in practice.
            by_parts: dict[WorkflowParts, list[UUID]] = {}
            for engagement_id, parts in keys:
                by_parts.setdefault(parts, []).append(engagement_id)
            found: dict[
                tuple[UUID, WorkflowParts], engagement_rpc_workflow.WorkflowView | None
            ] = {}
            for parts, ids in by_parts.items():
                views = await engagement.workflows(ids, scope, list(parts))
                found.update(((i, parts), v) for i, v in zip(ids, views, strict=True))
            return [found[k] for k in keys]

        return DataLoader(load_fn=load)

    @cached_property
    def checklist_definitions(
        self,
    ) -> DataLoader[int, engagement_rpc_workflow.ChecklistDefinitionReply]:
        engagement = self._clients.engagement

        async def load(
            versions: Sequence[int],
        ) -> list[engagement_rpc_workflow.ChecklistDefinitionReply]:
            # Reference data: one request per checklist version in use (in practice one),
            # whatever the number of engagements.
            return [await engagement.checklist_definition(v) for v in versions]

        return DataLoader(load_fn=load)

    @cached_property
    def unit_profiles(self) -> DataLoader[UUID, engagement_rpc_directory.UnitProfile | None]:
        engagement, scope = self._clients.engagement, self._scope

        async def load(ids: Sequence[UUID]) -> list[engagement_rpc_directory.UnitProfile | None]:
            return await engagement.unit_profiles(list(ids), scope)

        return DataLoader(load_fn=load)

    # Bounded below: several 500-row lists in one query must not become one reply too
    # large for a NATS message.

    @cached_property
    def scorecards(self) -> DataLoader[UUID, evaluation_rpc.ScorecardView | None]:
        evaluation, scope = self._clients.evaluation, self._scope

        async def load(ids: Sequence[UUID]) -> list[evaluation_rpc.ScorecardView | None]:
            return await evaluation.scorecards(list(ids), scope)

        return DataLoader(load_fn=load, max_batch_size=200)

    @cached_property
    def latest_scorecards(self) -> DataLoader[UUID, evaluation_rpc.ScorecardSummary | None]:
        evaluation, scope = self._clients.evaluation, self._scope

        async def load(ids: Sequence[UUID]) -> list[evaluation_rpc.ScorecardSummary | None]:
            return await evaluation.latest_scorecards(list(ids), scope)

        return DataLoader(load_fn=load, max_batch_size=500)

    @cached_property
    def archive_items(self) -> DataLoader[UUID, archive_rpc_catalogue.ItemView | None]:
        """Items as the caller may see them (tenant and 密级): a record's evidence."""
        archive, caller = self._clients.archive, self._caller

        async def load(ids: Sequence[UUID]) -> list[archive_rpc_catalogue.ItemView | None]:
            return await archive.items(
                archive_rpc_catalogue.GetItemsRequest(caller=caller, ids=ids)
            )

        return DataLoader(load_fn=load, max_batch_size=500)

    @cached_property
    def unit_versions(self) -> DataLoader[UUID, list[engagement_rpc_workflow.RevisionView]]:
        engagement, scope = self._clients.engagement, self._scope

        async def load(ids: Sequence[UUID]) -> list[list[engagement_rpc_workflow.RevisionView]]:
            return await engagement.unit_versions(list(ids), scope)

        return DataLoader(load_fn=load, max_batch_size=500)

    @cached_property
    def unit_contacts(self) -> DataLoader[UUID, list[engagement_rpc_import.UnitContactView]]:
        engagement, scope = self._clients.engagement, self._scope

        async def load(
            ids: Sequence[UUID],
        ) -> list[list[engagement_rpc_import.UnitContactView]]:
            return await engagement.unit_contacts(list(ids), scope)

        return DataLoader(load_fn=load, max_batch_size=500)


def build_loaders(
    clients: ServiceClients, scope: core.Scope | Callable[[], core.Scope], clearance: int = 0
) -> Loaders:
    return Loaders(clients, scope, clearance)


K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


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
