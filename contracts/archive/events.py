"""Events of the archive service: each joins the ledger through the archive's own trace
consumer.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from contracts.archive.enums import ArchiveAction
from contracts.archive.rpc_catalogue import Caller
from contracts.core import TYPED_EVENT, Contract, EventEnvelope


class ItemAudience(Contract):
    """Who may read an item an action touched, as the archive's visibility rule stood
    right after the action: nobody below the item's level (密级); of the parties, the
    serving agency and the unit, each only while the rule lets it see the item (`None`
    otherwise). The archive decides it (`domain.audience`); whoever hands events on to
    people (the gateway's live subscription) matches the caller against it, without
    asking the archive, and withholds the item from anyone it does not admit."""

    level: int = Field(ge=0, le=3, description="kit.auth.Level of the item.")
    agency_id: UUID | None = Field(description="The agency that sees it, if any.")
    unit_id: UUID | None = Field(description="The unit that sees it, if any.")
    client_id: UUID | None = Field(
        default=None,
        description="The engagement's client that is not one unit (园区, 集团, 区域), "
        "seeing it when and as the unit does; none otherwise.",
    )

    def admits(self, caller: Caller) -> bool:
        """The caller's clearance reaches the level (no read up) and its tenant is one
        of the parties that see the item."""
        if caller.clearance < self.level:
            return False
        scope = caller.scope
        return (
            (scope.agency_id is not None and scope.agency_id == self.agency_id)
            or (scope.unit_id is not None and scope.unit_id == self.unit_id)
            or (scope.client_id is not None and scope.client_id == self.client_id)
        )


class ArchiveActionData(Contract):
    """An archive action, in the ledger: what was done to which item. Never a storage
    key, URL or store version id: events reach people (live subscriptions), keys stay in
    the archive."""

    action: ArchiveAction
    item_ids: list[UUID]
    sha256: list[str] = Field(default_factory=list)
    audiences: list[ItemAudience] = Field(
        description="Who may read each item, in `item_ids` order; an item without one is "
        "shown to nobody."
    )
    details: dict[str, str] = Field(default_factory=dict)


class ArchiveActionV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["archive.action.v1"] = "archive.action.v1"
    data: ArchiveActionData  # type: ignore[assignment]


ARCHIVE_EVENTS: tuple[type[EventEnvelope], ...] = (ArchiveActionV1,)
