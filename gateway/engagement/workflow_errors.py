"""Typed errors of the workflow steps."""

from __future__ import annotations

import strawberry

from contracts.core import DomainError
from contracts.engagement.errors import ListItemNotFound as ListItemNotFoundError
from contracts.engagement.errors import TransitionNotAllowed as TransitionNotAllowedError
from contracts.engagement.errors import WorkflowConflict as WorkflowConflictError
from gateway.errors import Error, to_graphql


@strawberry.type(
    description="The engagement cannot change stage yet: `missing` lists what it still needs."
)
class TransitionNotAllowed(Error):
    from_stage: str
    to_stage: str
    missing: list[str]


@strawberry.type(description="The step does not fit the engagement's current state.")
class WorkflowConflict(Error):
    pass


@strawberry.type(description="No such service list item in this engagement.")
class ListItemNotFound(Error):
    field: str | None


def workflow_error(exc: DomainError, request_id: str) -> Error:
    match exc:
        case TransitionNotAllowedError():
            return TransitionNotAllowed(
                message=exc.message,
                code=exc.code,
                from_stage=str(exc.details.get("from", "")),
                to_stage=str(exc.details.get("to", "")),
                missing=[str(m) for m in exc.details.get("missing", [])],
            )
        case WorkflowConflictError():
            return WorkflowConflict(message=exc.message, code=exc.code)
        case ListItemNotFoundError():
            return ListItemNotFound(message=exc.message, code=exc.code, field="itemId")
    return to_graphql(exc, request_id)
