"""JetStream consumers of the engagement service."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive.events import ArchiveActionV1
from contracts.compliance.events import PermitRegisteredV1
from contracts.core import EventEnvelope, event_subject
from contracts.engagement.enums import Stage
from contracts.evaluation.enums import ScorecardKind
from contracts.evaluation.events import ScorecardFinalizedV1
from kit.logging import get_logger
from kit.rpc import CallContext
from kit.runtime import Subscription
from services.engagement.directory.importing import repository as importing
from services.engagement.workflow import repository
from services.engagement.workflow.commands.evidence import link_uploaded
from services.engagement.workflow.commands.step import Step

log = get_logger(__name__)


async def close_evaluated(session: AsyncSession, event: EventEnvelope) -> None:
    """When the evaluation is final, the engagement is closed (R4.2.5 → closed)."""
    if event.engagement_id is None:
        return
    if isinstance(event, ScorecardFinalizedV1) and event.data.kind == ScorecardKind.SELF:
        return  # the agency's self-assessment is no evaluation result
    if isinstance(event, ScorecardFinalizedV1) and not event.data.evaluation_complete:
        # Yearly periods: the engagement stays in evaluation until the last card is final.
        log.info("engagement.evaluation_continues", engagement_id=str(event.engagement_id))
        return
    engagement = await repository.engagement_unscoped(session, event.engagement_id)
    if engagement is None or engagement.stage != Stage.EVALUATION:
        # A scorecard for a period (annual review) or an already closed engagement.
        log.info("engagement.not_closed", engagement_id=str(event.engagement_id))
        return
    await repository.lock_engagement(session, engagement.id)
    ctx = CallContext(
        actor="system:engagement", tenant=event.tenant, correlation_id=event.correlation_id
    )
    await Step(session, engagement, ctx).move_to(Stage.CLOSED)


EVALUATION_RESULTS = Subscription(
    durable="engagement-evaluations",
    subjects=[event_subject(ScorecardFinalizedV1)],
    events=(ScorecardFinalizedV1,),
    handler=close_evaluated,
)


# Items uploaded from a record (requestEvidenceUpload) are linked to it once filed.
EVIDENCE_UPLOADS = Subscription(
    durable="engagement-evidence-uploads",
    subjects=[event_subject(ArchiveActionV1)],
    events=(ArchiveActionV1,),
    handler=link_uploaded,
)


async def remember_permit(session: AsyncSession, event: EventEnvelope) -> None:
    """A permit the compliance service registered: the unit import checks numbers on it."""
    if isinstance(event, PermitRegisteredV1):
        data = event.data
        await importing.remember_permit(session, data.number, data.permit_id, data.unit_id)


# Permits registered (registerPermit or an import): the import's duplicate check.
REGISTERED_PERMITS = Subscription(
    durable="engagement-registered-permits",
    subjects=[event_subject(PermitRegisteredV1)],
    events=(PermitRegisteredV1,),
    handler=remember_permit,
)
