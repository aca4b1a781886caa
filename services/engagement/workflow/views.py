"""Workflow rows as the contracts show them. Where a contract repeats the row's fields
it is validated from the row; derived fields (overdue, recurring, done quantities) are
computed by the domain rules here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from contracts.engagement import rpc
from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from contracts.engagement.enums import RectificationStatus
from services.engagement.models import Engagement
from services.engagement.workflow.domain import is_overdue, is_recurring


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


def rectification_view(
    row: Any, occurrences_in_window: int, today: date
) -> engagement_rpc_workflow.RectificationView:
    return engagement_rpc_workflow.RectificationView.from_row(
        row,
        notes=list(row.notes or []),
        overdue=row.status != RectificationStatus.CLOSED and row.due_date < today,
        recurring=is_recurring(occurrences_in_window),
        evidence=[],  # filled by `with_evidence`
    )


def workflow_view(
    engagement: Any,
    team: Sequence[Any],
    items: Sequence[Any],
    plans: Sequence[Any],
    checklist: Sequence[Any],
    records: Sequence[Any],
    reports: Sequence[Any],
    rectifications: list[engagement_rpc_workflow.RectificationView],
    today: date,
    revisions: Sequence[Any] = (),
    checklist_counts: tuple[int, int] | None = None,
) -> engagement_rpc_workflow.WorkflowView:
    """One engagement's workflow state from its rows, each sequence in display order:
    `engagement` the ORM row or a `repository.workflow_heads` row, `items` rows with
    `done`, their recorded activities (`repository.list_items_done`)."""
    return engagement_rpc_workflow.WorkflowView(
        engagement_id=engagement.id,
        contracted_team_size=engagement.contracted_team_size,
        team=[
            engagement_rpc_workflow.TeamMemberView.from_row(m, voided=m.voided_at is not None)
            for m in team
        ],
        list_items=[list_item_view(i, i.done, today) for i in items],
        plan_versions=[engagement_rpc_workflow.PlanVersionView.from_row(p) for p in plans],
        checklist=[engagement_rpc_workflow.ChecklistItemView.from_row(c) for c in checklist],
        records=[
            engagement_rpc_workflow.RecordView.from_row(
                r, evidence=[], voided=r.voided_at is not None
            )
            for r in records
        ],
        stage_reports=[engagement_rpc_workflow.StageReportView.from_row(r) for r in reports],
        rectifications=rectifications,
        contract_signed_on=engagement.contract_signed_on,
        handed_over_on=engagement.handed_over_on,
        deliverables=list(engagement.deliverables or []),
        revisions=[engagement_rpc_workflow.RevisionView.from_row(r) for r in revisions],
        checklist_counts=engagement_rpc_workflow.ChecklistCounts(
            settled=checklist_counts[0], total=checklist_counts[1]
        )
        if checklist_counts is not None
        else None,
    )


def meeting_view(record: Any) -> engagement_rpc_workflow.MeetingView:
    return engagement_rpc_workflow.MeetingView(
        engagement_id=record.engagement_id,
        record_id=record.id,
        kind=record.kind,
        held_on=record.occurred_on,
        details=record.details,
    )


def with_evidence(
    links: Mapping[UUID, Sequence[Any]], view: engagement_rpc_workflow.WorkflowView
) -> engagement_rpc_workflow.WorkflowView:
    """The view with each record's and rectification item's linked archive items."""

    def of(record_id: UUID) -> list[engagement_rpc_workflow.EvidenceLinkView]:
        return [
            engagement_rpc_workflow.EvidenceLinkView.from_row(r) for r in links.get(record_id, ())
        ]

    if not links:
        return view
    return view.model_copy(
        update={
            "records": [r.model_copy(update={"evidence": of(r.id)}) for r in view.records],
            "rectifications": [
                r.model_copy(update={"evidence": of(r.id)}) for r in view.rectifications
            ],
        }
    )
