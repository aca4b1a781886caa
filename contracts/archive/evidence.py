"""Evidence on the engagement's records (证明材料: inspection photos, training sign-in
sheets, emergency reports, rectification before/after photos): the archive checks the
items a record is to link (`EVIDENCE_CHECK`, read only) by the handover's rules — items
of the record's engagement, visible to the caller (tenant and 密级), filed — before the
engagement service links them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field

from contracts.archive.rpc_catalogue import Caller
from contracts.core import Contract, Rpc

# As many items as one record links at once (a day's inspection photos).
MAX_EVIDENCE = 50


class EvidenceCheckRequest(Contract):
    caller: Caller
    engagement_id: UUID
    item_ids: list[UUID] = Field(min_length=1, max_length=MAX_EVIDENCE)
    field: str = Field(
        default="evidence",
        max_length=50,
        description="The input the ids came from, to name the wrong one (`evidence.<n>`).",
    )
    indexed: bool = Field(default=True, description="False for a single-id input field.")


class EvidenceCheckReply(Contract):
    """The items as checked, in the order given, each once."""

    item_ids: list[UUID]


EVIDENCE_CHECK = Rpc("archive", "evidence.check", EvidenceCheckRequest, EvidenceCheckReply)

EVIDENCE_RPCS: tuple[Rpc[Any, Any], ...] = (EVIDENCE_CHECK,)
