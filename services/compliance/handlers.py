"""JetStream consumers of the compliance calendar service."""

from __future__ import annotations

from contracts.archive.events import ARCHIVE_EVENTS
from contracts.core import service_events_subject
from contracts.engagement.events import ENGAGEMENT_EVENTS, ENGAGEMENT_EVENTS_SUBJECT
from contracts.evaluation.events import EVALUATION_EVENTS
from kit.runtime import Subscription
from services.compliance.intake import commands as intake

# Units, engagements, list items, rectifications, penalties and the workflow steps that
# wait for someone, in publication order (a unit is known before its engagement).
ENGAGEMENTS = Subscription(
    durable="compliance-engagements",
    subjects=[ENGAGEMENT_EVENTS_SUBJECT],
    events=ENGAGEMENT_EVENTS,
    handler=intake.on_engagement_event,
    # A fetched batch in one transaction, its creations by one statement per table.
    batch_handler=intake.on_engagement_events,
)
# Scorecards to fill (opened) and filled (finalised, falsified).
EVALUATIONS = Subscription(
    durable="compliance-evaluations",
    subjects=[service_events_subject("evaluation")],
    events=EVALUATION_EVENTS,
    handler=intake.on_evaluation_event,
)
# Handovers acknowledged.
ARCHIVE = Subscription(
    durable="compliance-archive",
    subjects=[service_events_subject("archive")],
    events=ARCHIVE_EVENTS,
    handler=intake.on_archive_event,
)
