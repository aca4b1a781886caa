"""JetStream consumers of the evaluation service."""

from __future__ import annotations

from contracts.engagement.events import ENGAGEMENT_EVENTS, ENGAGEMENT_EVENTS_SUBJECT
from kit.runtime import Subscription
from services.evaluation.commands import intake

# Every engagement event, in order: units (regions), engagements (registrations),
# stage changes (automatic scorecards) and the workflow facts kept as evidence.
ENGAGEMENTS = Subscription(
    durable="evaluation-workflow",
    subjects=[ENGAGEMENT_EVENTS_SUBJECT],
    events=ENGAGEMENT_EVENTS,
    handler=intake.on_engagement_event,
    # Intake writes only to this service's database: a fetched batch is applied in
    # one transaction (a burst of engagements costs one commit per 100 events), its
    # creations registered by one statement.
    batch_handler=intake.on_engagement_events,
)
