"""JetStream consumers of the evaluation service."""

from __future__ import annotations

from contracts.events import EVENT_SUBJECT_PREFIX, EngagementCreatedV1
from kit.runtime import Subscription
from services.evaluation import service

ENGAGEMENTS = Subscription(
    durable="evaluation-engagements",
    subjects=[EVENT_SUBJECT_PREFIX + str(EngagementCreatedV1.model_fields["type"].default)],
    handler=service.register_engagement,
)
