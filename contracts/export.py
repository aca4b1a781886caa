"""JSON Schemas of every contract, for other teams and for the snapshot test."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.archive import ARCHIVE_RPCS
from contracts.directory import DIRECTORY_RPCS
from contracts.evaluation import EVALUATION_RPCS
from contracts.events import TYPED_EVENTS, EventEnvelope
from contracts.rpc import ALL_RPCS
from contracts.workflow import WORKFLOW_RPCS


def json_schemas() -> dict[str, dict[str, Any]]:
    """Schema documents by name: `event.<type>`, `rpc.<subject>.request|response`."""
    docs: dict[str, dict[str, Any]] = {"event.envelope": EventEnvelope.model_json_schema()}
    for event in TYPED_EVENTS:
        docs[f"event.{event.model_fields['type'].default}"] = event.model_json_schema()
    for rpc in (*ALL_RPCS, *DIRECTORY_RPCS, *WORKFLOW_RPCS, *EVALUATION_RPCS, *ARCHIVE_RPCS):
        models: dict[str, type[BaseModel]] = {"request": rpc.request, "response": rpc.response}
        for part, model in models.items():
            docs[f"rpc.{rpc.service}.{rpc.name}.{part}"] = model.model_json_schema()
    return docs
