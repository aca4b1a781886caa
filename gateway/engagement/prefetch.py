"""A page of engagements loads, before its rows resolve, what the query selects of them:
the units, traces, latest scorecards and workflows, each through the loader its field
reads. The fields then find their data loaded and resolve without awaiting
(`gateway.dataloaders.now_or_later`).

The batches are the ones the fields would have made (same loaders, same keys, one
request each), so the NATS requests per query do not change; only graphql-core's task
per awaited field goes. What a row's field does with the data — its authorization
check, its conversion — stays in the field.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any
from uuid import UUID

from graphql import FieldNode, FragmentDefinitionNode
from strawberry.types import Info

from gateway.context import Context
from gateway.engagement.selection import names_below, workflow_parts

# Engagement fields read from its workflow (`Engagement._workflow`).
WORKFLOW_FIELDS = frozenset(
    {
        "listItems",
        "team",
        "contractedTeamSize",
        "planVersions",
        "checklist",
        "records",
        "rectifications",
        "stageReports",
        "contractSignedOn",
        "handedOverOn",
        "deliverables",
    }
)
CACHED = 512

_cache: dict[int, tuple[FieldNode, frozenset[str]]] = {}


def selected_names(
    nodes: Sequence[FieldNode], fragments: dict[str, FragmentDefinitionNode]
) -> frozenset[str]:
    """Every field name selected below these field nodes, fragments followed: a superset
    of what the rows' fields select (a name used deeper asks for a load too many, never
    one too few). Cached per parsed field node, as documents are (the parser cache)."""
    cached = _cache.get(id(nodes[0]))
    if cached is not None and cached[0] is nodes[0]:
        return cached[1]
    names = names_below((n.selection_set for n in nodes if n.selection_set), fragments)
    found = frozenset(names)
    if len(_cache) >= CACHED:
        _cache.clear()
    _cache[id(nodes[0])] = (nodes[0], found)
    return found


async def prefetch_rows(info: Info[Context, None], rows: Iterable[tuple[UUID, UUID]]) -> None:
    """Load what the connection's selection needs of these (engagement id, unit id) rows,
    in parallel. A failed load is left in its loader for the field to report."""
    ctx = info.context
    raw = info._raw_info  # strawberry's Info exposes neither field nodes nor fragments
    names = selected_names(raw.field_nodes, raw.fragments)
    rows = list(rows)
    if not rows:
        return
    ids = [engagement_id for engagement_id, _ in rows]
    loads: list[Awaitable[Any]] = []
    if "unit" in names and ctx.authorizer.can("unit", "read"):
        loads.append(ctx.loaders.units.load_many([unit_id for _, unit_id in rows]))
    if "trace" in names and ctx.authorizer.can("trace", "read"):
        loads.append(ctx.loaders.traces.load_many(ids))
    if "latestScorecard" in names and ctx.authorizer.can("scorecard", "read"):
        loads.append(ctx.loaders.latest_scorecards.load_many(ids))
    if names & WORKFLOW_FIELDS:
        parts = workflow_parts(info.operation, raw.fragments)
        loads.append(ctx.loaders.selected_workflows.load_many([(i, parts) for i in ids]))
    if loads:
        await asyncio.gather(*loads, return_exceptions=True)
