"""The workflow command (`contracts.engagement.rpc_workflow.ACT`): one action applied to
one engagement under the state machine.

Each step runs in the caller's transaction, checks the state machine first, writes
its rows and records its events; a refused step raises before writing anything.
The steps live by stage in `preparation`, `implementation`, `stage_reports`,
`rectifications` and `results`, corrections and voids in `corrections`, suspension,
termination and cancellation in `lifecycle`; they register themselves with
`step.handles`. The engagement's status (suspended, terminated, cancelled) is checked
before any step.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope, ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement.enums import EngagementStatus
from contracts.engagement.errors import EngagementNotFound, WorkflowConflict
from contracts.engagement.rpc import EngagementView
from kit.rpc import CallContext
from services.engagement.models import Engagement
from services.engagement.registry import repository as registry_repository
from services.engagement.workflow import repository
from services.engagement.workflow.commands import (
    corrections,
    evidence,
    implementation,
    lifecycle,
    preparation,
    rectifications,
    results,
    stage_reports,
)
from services.engagement.workflow.commands.step import HANDLERS, Step
from services.engagement.workflow.domain import check_status_allows
from services.engagement.workflow.views import engagement_view

# Imported for their registrations.
STEP_MODULES = (
    preparation,
    implementation,
    rectifications,
    stage_reports,
    results,
    corrections,
    lifecycle,
    evidence,
)


async def past_link_reads_only(session: AsyncSession, scope: Scope, engagement: Engagement) -> None:
    """An agency whose link to the unit was ended reads its engagement; it changes nothing
    of it any more (issue 14: past links are read-only)."""
    if scope.agency_id is None:
        return
    if await registry_repository.link_ended(session, engagement.unit_id, scope.agency_id):
        raise WorkflowConflict(
            "your agency's link to this unit has ended: its engagements are read-only",
            field="engagementId",
        )


async def act(
    session: AsyncSession, req: engagement_actions.ActRequest, ctx: CallContext
) -> EngagementView:
    """Apply one workflow action to an engagement the caller may see."""
    found = await repository.engagements_by_ids(session, [req.engagement_id], req.scope)
    if req.engagement_id not in found:
        raise EngagementNotFound("no such engagement", field="engagementId")
    engagement, region = found[req.engagement_id]
    await past_link_reads_only(session, req.scope, engagement)
    await repository.lock_engagement(session, engagement.id)
    check_status_allows(EngagementStatus(engagement.status), req.action.action)
    step = Step(session, engagement, ctx, req.evidence)
    await HANDLERS[type(req.action)](step, req.action)
    if step.evidence and not step.evidence_linked:
        # Raised before the commit: the step's writes are rolled back with it.
        raise ValidationFailed("this step creates no record to link evidence to", field="evidence")
    await session.flush()
    return engagement_view(engagement, region)
