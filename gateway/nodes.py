"""Relay `node(id)` / `nodes(ids)`: any object by its global ID, authorized like the
field that would otherwise return it.

strawberry's own `relay.node()` field raises for a malformed ID, an unknown type
or a type without `resolve_nodes`, and would tell a caller which IDs exist. Here
every such case is simply null, exactly like a denied or missing object.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from contracts.core import ValidationFailed
from gateway.context import Context
from gateway.engagement.types import Engagement, Unit
from gateway.evaluation.types import Scorecard

MAX_NODES = 100
"""Ids per `nodes` call: the cost limit cannot see a variable's length."""

Resolver = Callable[[Info[Context, None], list[UUID]], Awaitable[Sequence[relay.Node | None]]]


async def _units(info: Info[Context, None], ids: list[UUID]) -> Sequence[relay.Node | None]:
    return await Unit.resolve_nodes(info=info, node_ids=[str(i) for i in ids])


async def _engagements(info: Info[Context, None], ids: list[UUID]) -> Sequence[relay.Node | None]:
    return await Engagement.resolve_nodes(info=info, node_ids=[str(i) for i in ids])


async def _scorecards(info: Info[Context, None], ids: list[UUID]) -> Sequence[relay.Node | None]:
    return await Scorecard.resolve_nodes(info=info, node_ids=[str(i) for i in ids])


# Types reachable through `node`. A Node type missing here resolves to null; add it
# with a resolver that applies the same checks as its own query field.
RESOLVERS: dict[str, Resolver] = {
    "Unit": _units,
    "Engagement": _engagements,
    "Scorecard": _scorecards,
}


def parse_global_id(value: str) -> tuple[str, UUID] | None:
    """(type name, UUID) of a global ID, or None for anything malformed."""
    try:
        kind, _, raw = base64.b64decode(value, validate=True).decode().partition(":")
        return kind, UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


async def resolve_global_ids(
    info: Info[Context, None], ids: Sequence[str]
) -> list[relay.Node | None]:
    """Objects for global IDs in order; one batched lookup per type."""
    wanted: dict[str, list[tuple[int, UUID]]] = defaultdict(list)
    for index, value in enumerate(ids):
        parsed = parse_global_id(value)
        if parsed is not None and parsed[0] in RESOLVERS:
            wanted[parsed[0]].append((index, parsed[1]))
    found: list[relay.Node | None] = [None] * len(ids)
    for kind, entries in wanted.items():
        objects = await RESOLVERS[kind](info, [uuid for _, uuid in entries])
        for (index, _), obj in zip(entries, objects, strict=True):
            found[index] = obj
    return found


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any object by its global ID; null if missing or not yours.")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> relay.Node | None:
        [found] = await resolve_global_ids(info, [id])
        return found

    @strawberry.field(
        description=f"Objects by global IDs, in order; null for each one missing or not "
        f"yours. At most {MAX_NODES} ids."
    )
    async def nodes(
        self, info: Info[Context, None], ids: list[strawberry.ID]
    ) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise ValidationFailed("at most {max} ids", field="ids", params={"max": MAX_NODES})
        return await resolve_global_ids(info, ids)
