"""Events of the archive service: each joins the ledger through the archive's own trace
consumer.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from contracts.archive.enums import ArchiveAction
from contracts.core import TYPED_EVENT, Contract, EventEnvelope


class ArchiveActionData(Contract):
    """An archive action, in the ledger: what was done to which item."""

    action: ArchiveAction
    item_ids: list[UUID]
    sha256: list[str] = Field(default_factory=list)
    details: dict[str, str] = Field(default_factory=dict)


class ArchiveActionV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["archive.action.v1"] = "archive.action.v1"
    data: ArchiveActionData  # type: ignore[assignment]


ARCHIVE_EVENTS: tuple[type[EventEnvelope], ...] = (ArchiveActionV1,)
