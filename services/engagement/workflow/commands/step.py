"""What every workflow step shares: the engagement under change, event emission, the
one place a stage changes, and the registry that maps an action to its step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Contract, EventEnvelope
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement.enums import EvidenceRole, RecordKind, Stage
from contracts.engagement.errors import ListItemNotFound, RecordNotFound
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.engagement.models import (
    Engagement,
    ListItem,
    MeetingExpert,
    PlanVersion,
    ServiceRecord,
    messaging,
)
from services.engagement.statistics import commands as statistics
from services.engagement.workflow import evidence_repository, repository
from services.engagement.workflow.domain import check_transition

A = TypeVar("A", bound=Contract)
StepFn = Callable[["Step", Any], Awaitable[None]]

HANDLERS: dict[type[Contract], StepFn] = {}


def handles(action: type[A]) -> Callable[[Callable[[Step, A], Awaitable[None]]], StepFn]:
    """Register the step that applies `action`; each action has exactly one."""

    def register(fn: Callable[[Step, A], Awaitable[None]]) -> StepFn:
        if action in HANDLERS:
            raise RuntimeError(f"{action.__name__} already has a step")
        HANDLERS[action] = fn
        return fn

    return register


def record_details(action: Contract) -> dict[str, Any]:
    """A service record's details: the recording action's fields (a correction's too)."""
    return action.model_dump(mode="json", exclude={"action", "list_item_id"})


class Step:
    """The engagement under change (row-locked) and how to record what happened."""

    def __init__(
        self,
        session: AsyncSession,
        engagement: Engagement,
        ctx: CallContext,
        evidence: Sequence[UUID] = (),
    ) -> None:
        self.session = session
        self.engagement = engagement
        self.ctx = ctx
        # Archive items the archive checked for this step: linked to the record it makes.
        self.evidence = list(evidence)
        self.evidence_linked = False

    @property
    def stage(self) -> Stage:
        return Stage(self.engagement.stage)

    async def emit(self, cls: type[EventEnvelope], data: Contract) -> None:
        event = make_event(cls, self.ctx, data, engagement_id=self.engagement.id)
        await record_event(self.session, messaging, event)

    async def move_to(self, to: Stage) -> None:
        """Change stage if the guard allows it; the one place stages change (but for
        `end_early`, the early termination that skips the guards)."""
        check_transition(await repository.facts(self.session, self.engagement), to)
        old = self.engagement.stage
        self.engagement.stage = to
        await statistics.count_moved(self.session, self.engagement, old, to)
        data = engagement_event_data.StageChangedData(
            engagement_id=self.engagement.id, from_stage=old, to_stage=to
        )
        await self.emit(engagement_events.StageChangedV1, data)

    async def end_early(self) -> None:
        """An early termination (提前终止) moves a running engagement straight to
        evaluation, for the period served: the stage guards (all items finished, the
        handover) do not apply, since the contract ended before them."""
        old = self.engagement.stage
        self.engagement.stage = Stage.EVALUATION
        await statistics.count_moved(self.session, self.engagement, old, Stage.EVALUATION)
        data = engagement_event_data.StageChangedData(
            engagement_id=self.engagement.id, from_stage=old, to_stage=Stage.EVALUATION
        )
        await self.emit(engagement_events.StageChangedV1, data)

    async def record(
        self,
        kind: RecordKind,
        on: date,
        action: Contract,
        item: ListItem | None,
        *,
        experts: Sequence[str] = (),
    ) -> ServiceRecord:
        """Keep an activity as a service record, its details being the action's fields.
        `experts` are the user ids of the experts invited to a meeting: each gets a
        `meeting_expert` row in this transaction, which is what they may read."""
        details = record_details(action)
        record = ServiceRecord(
            id=new_id(),
            engagement_id=self.engagement.id,
            kind=kind,
            list_item_id=item.id if item else None,
            occurred_on=on,
            details=details,
            recorded_by=self.ctx.actor,
            recorded_at=datetime.now(UTC),
        )
        self.session.add(record)
        await self.link_evidence(record.id, EvidenceRole.RECORD)
        await self.invite(record, experts)
        return record

    async def invite(self, record: ServiceRecord, experts: Sequence[str]) -> None:
        """The `meeting_expert` rows of a meeting's invited experts."""
        if experts:
            # The record first: the index rows reference it (no ORM relationship orders them).
            await self.session.flush()
            self.session.add_all(
                MeetingExpert(expert_id=e, engagement_id=self.engagement.id, record_id=record.id)
                for e in dict.fromkeys(experts)  # an expert named twice is invited once
            )

    async def service_record(self, record_id: UUID) -> ServiceRecord:
        record = await repository.service_record(self.session, record_id)
        if record is None or record.engagement_id != self.engagement.id:
            raise RecordNotFound("no such record in this engagement", field="recordId")
        return record

    async def link_evidence(
        self, record_id: UUID, role: EvidenceRole, items: Sequence[UUID] | None = None
    ) -> None:
        """Link checked evidence (by default the step's own) to the record it created or
        reported on, and trace the items newly linked."""
        items = self.evidence if items is None else items
        if not items:
            return
        linked = await evidence_repository.link(
            self.session,
            self.engagement.id,
            record_id,
            items,
            role=role,
            by=self.ctx.actor,
            at=datetime.now(UTC),
        )
        self.evidence_linked = True
        if linked:
            await self.announce_evidence(record_id, linked, role)

    async def announce_evidence(
        self, record_id: UUID, items: Sequence[UUID], role: EvidenceRole | None
    ) -> None:
        """Trace a change of a record's evidence (role None: unlinked)."""
        data = engagement_event_data.EvidenceChangedData(
            record_id=record_id, item_ids=list(items), role=role, linked=role is not None
        )
        await self.emit(engagement_events.EvidenceChangedV1, data)

    async def item(self, item_id: Any) -> ListItem:
        item = await repository.list_item(self.session, item_id)
        # A voided item is gone for every step (it is kept only as history).
        if item is None or item.engagement_id != self.engagement.id or item.voided_at:
            raise ListItemNotFound("no such list item in this engagement", field="itemId")
        return item

    async def latest_plan(self) -> PlanVersion | None:
        return await repository.latest_plan(self.session, self.engagement.id)
