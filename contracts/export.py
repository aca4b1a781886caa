"""JSON Schemas of every contract, for other teams and for the snapshot test."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.archive.events import ARCHIVE_EVENTS
from contracts.archive.evidence import EVIDENCE_RPCS
from contracts.archive.handover import HANDOVER_RPCS
from contracts.archive.rpc import LEDGER_RPCS
from contracts.archive.rpc_catalogue import CATALOGUE_RPCS
from contracts.archive.rpc_documents import DOCUMENT_RPCS
from contracts.compliance.events import COMPLIANCE_EVENTS
from contracts.compliance.rpc import COMPLIANCE_RPCS
from contracts.compliance.rpc_reminders import REMINDER_RPCS
from contracts.compliance.rpc_statistics import STATISTICS_RPCS as COMPLIANCE_STATISTICS_RPCS
from contracts.core import EventEnvelope, Rpc, event_type
from contracts.engagement.events import ENGAGEMENT_EVENTS
from contracts.engagement.rpc import ENGAGEMENT_RPCS
from contracts.engagement.rpc_directory import DIRECTORY_RPCS
from contracts.engagement.rpc_import import IMPORT_RPCS
from contracts.engagement.rpc_registry import REGISTRY_RPCS
from contracts.engagement.rpc_statistics import STATISTICS_RPCS as ENGAGEMENT_STATISTICS_RPCS
from contracts.engagement.rpc_survey_links import SURVEY_LINK_RPCS
from contracts.engagement.rpc_workflow import WORKFLOW_RPCS
from contracts.evaluation.events import EVALUATION_EVENTS
from contracts.evaluation.rpc import EVALUATION_RPCS
from contracts.evaluation.rpc_statistics import STATISTICS_RPCS as EVALUATION_STATISTICS_RPCS

ALL_EVENTS: tuple[type[EventEnvelope], ...] = (
    *ENGAGEMENT_EVENTS,
    *EVALUATION_EVENTS,
    *ARCHIVE_EVENTS,
    *COMPLIANCE_EVENTS,
)
ALL_RPCS: tuple[Rpc[Any, Any], ...] = (
    *DIRECTORY_RPCS,
    *REGISTRY_RPCS,
    *ENGAGEMENT_RPCS,
    *WORKFLOW_RPCS,
    *SURVEY_LINK_RPCS,
    *EVALUATION_RPCS,
    *LEDGER_RPCS,
    *CATALOGUE_RPCS,
    *HANDOVER_RPCS,
    *EVIDENCE_RPCS,
    *DOCUMENT_RPCS,
    *IMPORT_RPCS,
    *COMPLIANCE_RPCS,
    *ENGAGEMENT_STATISTICS_RPCS,
    *EVALUATION_STATISTICS_RPCS,
    *COMPLIANCE_STATISTICS_RPCS,
    *REMINDER_RPCS,
)


def json_schemas() -> dict[str, dict[str, Any]]:
    """Schema documents by name: `event.<type>`, `rpc.<subject>.request|response`."""
    docs: dict[str, dict[str, Any]] = {"event.envelope": EventEnvelope.model_json_schema()}
    for event in ALL_EVENTS:
        docs[f"event.{event_type(event)}"] = event.model_json_schema()
    for rpc in ALL_RPCS:
        models: dict[str, type[BaseModel]] = {"request": rpc.request, "response": rpc.response}
        for part, model in models.items():
            docs[f"rpc.{rpc.service}.{rpc.name}.{part}"] = model.model_json_schema()
    return docs
