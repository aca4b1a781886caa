"""Workflow rows as the contracts show them. Where a contract repeats the row's fields
it is validated from the row; derived fields (overdue, done quantities) are computed by
the domain rules here. The workflow reply itself is written from its rows without the
models (`workflow_structs`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.engagement import rpc
from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from services.engagement.models import Engagement
from services.engagement.workflow.domain import is_overdue


def engagement_view(engagement: Engagement | Any, region_code: str) -> rpc.EngagementView:
    """From the ORM engagement or a plain row of `repository.VIEW_COLUMNS`."""
    fee_terms = rpc.FeeTerms(**engagement.fee_terms) if engagement.fee_terms else None
    assessment = (
        rpc.AssessmentMethod.model_validate(engagement.assessment)
        if engagement.assessment
        else None
    )
    return rpc.EngagementView.from_row(
        engagement, region_code=region_code, fee_terms=fee_terms, assessment=assessment
    )


def list_item_view(item: Any, done: int, today: date) -> engagement_rpc_workflow.ListItemView:
    """A list item (ORM object or plain row) with its recorded activities counted."""
    return engagement_rpc_workflow.ListItemView.from_row(
        item,
        done_quantity=done,
        overdue=is_overdue(item.status, item.due_date, today) and item.voided_at is None,
        voided=item.voided_at is not None,
    )


def meeting_view(record: Any) -> engagement_rpc_workflow.MeetingView:
    return engagement_rpc_workflow.MeetingView(
        engagement_id=record.engagement_id,
        record_id=record.id,
        kind=record.kind,
        held_on=record.occurred_on,
        details=record.details,
    )
