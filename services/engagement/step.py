"""What every workflow step shares: the engagement under change, the facts the stage
guards read, event emission, and the registry that maps an action to its step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import core
from contracts.core import Contract
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as we
from contracts.engagement.enums import ListItemStatus, PlanStatus, Stage
from contracts.engagement.errors import ListItemNotFound
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.engagement.models import (
    ChecklistEntry,
    Engagement,
    ListItem,
    PlanVersion,
    ServiceRecord,
    TeamMemberRow,
    messaging,
)
from services.engagement.workflow import Facts, check_transition

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


class Step:
    """The engagement under change (row-locked) and how to record what happened."""

    def __init__(self, session: AsyncSession, engagement: Engagement, ctx: CallContext) -> None:
        self.session = session
        self.engagement = engagement
        self.ctx = ctx

    @property
    def stage(self) -> Stage:
        return Stage(self.engagement.status)

    async def emit(self, cls: type[core.EventEnvelope], data: Contract) -> None:
        event = make_event(cls, self.ctx, data, engagement_id=self.engagement.id)
        await record_event(self.session, messaging, event)

    async def move_to(self, to: Stage) -> None:
        """Change stage if the guard allows it; the single place stages change."""
        check_transition(await facts(self.session, self.engagement), to)
        old = self.engagement.status
        self.engagement.status = to.value
        data = engagement_event_data.StageChangedData(
            engagement_id=self.engagement.id, from_stage=old, to_stage=to.value
        )
        await self.emit(we.StageChangedV1, data)

    async def record(self, kind: str, on: date, action: Contract, item: ListItem | None) -> None:
        """Keep an activity as a service record, its details being the action's fields."""
        details = action.model_dump(mode="json", exclude={"action", "list_item_id"})
        self.session.add(
            ServiceRecord(
                id=new_id(),
                engagement_id=self.engagement.id,
                kind=kind,
                list_item_id=item.id if item else None,
                occurred_on=on,
                details=details,
                recorded_by=self.ctx.actor,
                recorded_at=datetime.now(UTC),
            )
        )

    async def item(self, item_id: Any) -> ListItem:
        item = await self.session.get(ListItem, item_id)
        if item is None or item.engagement_id != self.engagement.id:
            raise ListItemNotFound("no such list item in this engagement", field="itemId")
        return item

    async def latest_plan(self) -> PlanVersion | None:
        return await latest_plan(self.session, self.engagement)


async def latest_plan(session: AsyncSession, engagement: Engagement) -> PlanVersion | None:
    return await session.scalar(
        select(PlanVersion)
        .where(PlanVersion.engagement_id == engagement.id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )


async def facts(session: AsyncSession, engagement: Engagement) -> Facts:
    """Everything the stage guards look at, read in four small queries."""
    items = (
        await session.execute(
            select(ListItem.status, func.count())
            .where(ListItem.engagement_id == engagement.id)
            .group_by(ListItem.status)
        )
    ).all()
    by_status = {status: n for status, n in items}
    team = await session.scalar(
        select(func.count()).where(TeamMemberRow.engagement_id == engagement.id)
    )
    latest = await latest_plan(session, engagement)
    missing = await session.scalar(
        select(func.count()).where(
            ChecklistEntry.engagement_id == engagement.id, ChecklistEntry.status == "pending"
        )
    )
    open_codes = await session.scalars(
        select(ListItem.catalogue_code)
        .where(
            ListItem.engagement_id == engagement.id, ListItem.status == ListItemStatus.OPEN.value
        )
        .order_by(ListItem.created_at)
    )
    unfinished = tuple(open_codes)
    # Proposed customised items do not count until the client approves them (R5.2).
    counted = sum(n for s, n in by_status.items() if s != ListItemStatus.PROPOSED)
    return Facts(
        stage=Stage(engagement.status),
        list_items=counted,
        unfinished_items=len(unfinished),
        unfinished_codes=unfinished,
        team_size=int(team or 0),
        contracted_team_size=engagement.contracted_team_size,
        plan_status=PlanStatus(latest.status) if latest else None,
        checklist_missing=int(missing or 0),
        handed_over=engagement.handed_over_on is not None,
    )
