"""The workflow reply (`GET_WORKFLOWS`) written from the rows by msgspec.

A dashboard's page asks for 50 engagements' list items and checklist counts, and the
reply's pydantic models (validated from the rows, copied to add evidence, serialised)
were most of the engagement service's CPU per call. Here each row goes into its
contract's struct (`kit.reply_structs.struct_for`: the same fields in the same order)
with the fields the domain rules derive (overdue, voided, recurring, done quantities),
and `kit.struct_encoding` writes the JSON `WorkflowReply.model_dump_json()` would, byte
for byte (`tests/engagement/test_workflow_structs.py`). The rows are the service's own,
written through the contracts, so nothing is validated again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from contracts.core import Contract
from contracts.engagement import rpc_workflow as wf
from contracts.engagement.enums import RectificationStatus
from kit.reply_structs import ReplyStruct, struct_for
from kit.rpc import RawReply
from kit.struct_encoding import any_json, encoded_reply, row_struct
from services.engagement.workflow.domain import is_overdue, is_recurring

_WORKFLOW = struct_for(wf.WorkflowView)
_COUNTS = struct_for(wf.ChecklistCounts)
_CLOSED = RectificationStatus.CLOSED.value


def list_item(row: Any, today: date) -> ReplyStruct:
    """A `repository.list_items_done` row, its recorded activities in `done`; a voided
    item is never overdue."""
    voided = row.voided_at is not None
    return row_struct(
        wf.ListItemView,
        row,
        done_quantity=row.done,
        overdue=not voided and is_overdue(row.status, row.due_date, today),
        voided=voided,
    )


def team_member(row: Any) -> ReplyStruct:
    return row_struct(wf.TeamMemberView, row, voided=row.voided_at is not None)


def record(row: Any, evidence: list[ReplyStruct]) -> ReplyStruct:
    return row_struct(
        wf.RecordView,
        row,
        details=any_json(row.details),
        evidence=evidence,
        voided=row.voided_at is not None,
    )


def rectification(
    row: Any, occurrences_in_window: int, today: date, evidence: list[ReplyStruct]
) -> ReplyStruct:
    return row_struct(
        wf.RectificationView,
        row,
        notes=list(row.notes or []),
        overdue=row.status != _CLOSED and row.due_date < today,
        recurring=is_recurring(occurrences_in_window),
        evidence=evidence,
    )


def revision(row: Any) -> ReplyStruct:
    return row_struct(wf.RevisionView, row, content=any_json(row.content))


def plain(model: type[Contract]) -> Callable[[Any], ReplyStruct]:
    """A row of a view without derived fields (plan versions, checklist, stage reports,
    evidence links) into its struct."""
    return functools.partial(row_struct, model)


def evidence(links: Mapping[UUID, Sequence[Any]]) -> Callable[[UUID], list[ReplyStruct]]:
    """A record's or rectification item's linked archive items (`evidence_repository`),
    by its id."""
    link = plain(wf.EvidenceLinkView)
    return lambda owner_id: [link(r) for r in links.get(owner_id, ())]


def by_engagement(
    grouped: Mapping[UUID, Sequence[Any]], make: Callable[[Any], ReplyStruct]
) -> dict[UUID, list[ReplyStruct]]:
    """Rows grouped by engagement, each made into its struct."""
    return {eid: [make(row) for row in rows] for eid, rows in grouped.items()}


def workflow(head: Any, lists: dict[str, list[ReplyStruct]], *, counted: bool) -> ReplyStruct:
    """One engagement's `WorkflowView`: `head` a `repository.workflow_heads` row (with
    its checklist counts when `counted`), `lists` its lists by field name, made already,
    each in display order."""
    return _WORKFLOW(
        engagement_id=head.id,
        contracted_team_size=head.contracted_team_size,
        contract_signed_on=head.contract_signed_on,
        handed_over_on=head.handed_over_on,
        deliverables=list(head.deliverables or []),
        checklist_counts=_COUNTS(settled=int(head.settled), total=int(head.documents))
        if counted
        else None,
        **lists,
    )


def reply(items: list[ReplyStruct | None]) -> RawReply:
    return encoded_reply(wf.WorkflowReply, items=items)
