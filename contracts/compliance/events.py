"""Events of the compliance calendar service: each joins the archive's trace ledger
(every event does), and an occurrence of an engagement's item also its chain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from contracts.compliance.enums import ManagementCategory, OccurrenceKind
from contracts.core import TYPED_EVENT, Contract, EventEnvelope


class PermitRegisteredData(Contract):
    permit_id: UUID
    unit_id: UUID
    agency_id: UUID
    number: str
    category: ManagementCategory
    valid_from: date
    valid_to: date


class OccurrenceClosedData(Contract):
    """An obligation done (with its evidence) or waived (with the reason)."""

    occurrence_id: UUID
    unit_id: UUID
    agency_id: UUID | None
    kind: OccurrenceKind
    rule_code: str
    period_label: str
    due_date: date
    evidence_item_id: UUID | None = None
    note: str | None = None
    reason: str | None = None
    result_value: Decimal | None = None
    exceeded: bool | None = None


class PermitRegisteredV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["compliance.permit_registered.v1"] = "compliance.permit_registered.v1"
    data: PermitRegisteredData  # type: ignore[assignment]


class OccurrenceCompletedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["compliance.occurrence_completed.v1"] = "compliance.occurrence_completed.v1"
    data: OccurrenceClosedData  # type: ignore[assignment]


class OccurrenceWaivedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["compliance.occurrence_waived.v1"] = "compliance.occurrence_waived.v1"
    data: OccurrenceClosedData  # type: ignore[assignment]


COMPLIANCE_EVENTS: tuple[type[EventEnvelope], ...] = (
    PermitRegisteredV1,
    OccurrenceCompletedV1,
    OccurrenceWaivedV1,
)
