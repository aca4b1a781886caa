"""移交 (R4.2.4.2) as one act seen from two services: the engagement's `HandOver` step
names archive items and waivers; the archive checks them first (`HANDOVER_CHECK`, read
only), records the handover with its signed checkpoint when the engagement's
`engagement.handed_over.v1` arrives, and builds the verifiable package
(`HANDOVER_PACKAGE`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field, field_validator

from contracts.archive.enums import ItemCategory
from contracts.archive.rpc_catalogue import Caller
from contracts.core import Contract, Rpc

# The kinds of results R4.2.4.2 requires in a handover (归档与移交).
REQUIRED_KINDS: tuple[ItemCategory, ...] = (
    ItemCategory.IMPLEMENTATION_SUMMARY,
    ItemCategory.RESULTS_REPORT,
    ItemCategory.ENVIRONMENTAL_FILES,
    ItemCategory.TRAINING_PUBLICITY,
)

KIND_NAMES: dict[ItemCategory, str] = {
    ItemCategory.IMPLEMENTATION_SUMMARY: "托管服务实施总结报告",
    ItemCategory.RESULTS_REPORT: "托管服务成果报告",
    ItemCategory.ENVIRONMENTAL_FILES: "环境管理档案",
    ItemCategory.TRAINING_PUBLICITY: "宣传培训材料",
}


class HandoverWaiver(Contract):
    """A required kind not handed over, and why (e.g. no training in a short engagement)."""

    kind: ItemCategory
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("kind")
    @classmethod
    def _required(cls, kind: ItemCategory) -> ItemCategory:
        if kind not in REQUIRED_KINDS:
            raise ValueError(f"only a required kind is waived, not {kind}")
        return kind

    @field_validator("reason")
    @classmethod
    def _said(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("a waiver needs a reason")
        return reason.strip()


def missing_kinds(present: set[ItemCategory], waivers: list[HandoverWaiver]) -> list[ItemCategory]:
    """The required kinds neither handed over nor waived, in the standard's order."""
    waived = {w.kind for w in waivers}
    return [k for k in REQUIRED_KINDS if k not in present and k not in waived]


class HandoverCheckRequest(Contract):
    caller: Caller
    engagement_id: UUID
    item_ids: list[UUID] = Field(min_length=1, max_length=500)
    waivers: list[HandoverWaiver] = Field(default_factory=list, max_length=len(REQUIRED_KINDS))


class HandoverLine(Contract):
    item_id: UUID
    kind: ItemCategory
    version: int
    sha256: str


class HandoverCheckReply(Contract):
    """The items as the archive will record them, in the order given."""

    lines: list[HandoverLine]


class HandoverPackageRequest(Contract):
    caller: Caller
    handover_id: UUID


class HandoverPackageView(Contract):
    """A signed, expiring URL of the package (a ZIP, served as an attachment)."""

    handover_id: UUID
    url: str
    expires_at: datetime
    sha256: str
    size: int
    filename: str


HANDOVER_CHECK = Rpc("archive", "handover.check", HandoverCheckRequest, HandoverCheckReply)
HANDOVER_PACKAGE = Rpc("archive", "handover.package", HandoverPackageRequest, HandoverPackageView)

HANDOVER_RPCS: tuple[Rpc[Any, Any], ...] = (HANDOVER_CHECK, HANDOVER_PACKAGE)
