"""An engagement as createEngagement writes it: its row, typed, read by attribute (the
event, the counters' period, the reply) without an ORM `Engagement`, whose instrumented
constructor cost about 15 µs (docs/BENCHMARKS.md §17, sixth round)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID


@dataclass(slots=True, kw_only=True)
class NewEngagement:
    """Every column of `engagement`: those the command writes, then those a new
    engagement leaves NULL (None here, as an `Engagement` built from the row reads them).
    tests/engagement/test_create_reply.py checks the fields are the table's columns."""

    id: UUID
    unit_id: UUID
    agency_id: UUID
    service_modes: list[str]
    period_start: date
    period_end: date
    stage: str
    created_at: datetime
    created_by: str
    fee_terms: dict[str, Any] | None
    assessment: dict[str, Any] | None
    client_id: UUID | None
    results_basis: str | None
    deliverables: list[str]
    status: str
    # Not written at opening.
    contracted_team_size: int | None = None
    contract_signed_on: date | None = None
    handed_over_on: date | None = None
    status_reason: str | None = None
    status_on: date | None = None
    terminated_by_agreement: bool | None = None
    results_accepted_on: date | None = None
