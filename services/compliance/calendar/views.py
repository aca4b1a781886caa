"""Reply shapes of the calendar, built from rows."""

from __future__ import annotations

from datetime import date

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import OccurrenceKind
from services.compliance.calendar.domain import state
from services.compliance.models import Occurrence


def occurrence_view(row: Occurrence, today: date, soon_days: int) -> compliance_rpc.OccurrenceView:
    return compliance_rpc.OccurrenceView.from_row(
        row,
        kind=OccurrenceKind(row.kind),
        state=state(row.status, row.due_date, today, soon_days),
        lead_days=list(row.lead_days),
    )
