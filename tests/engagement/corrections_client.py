"""Corrections, voids and lifecycle moves over GraphQL, as a frontend would send them."""

from __future__ import annotations

from typing import Any

from tests.engagement.workflow_client import MANAGER, STEP_RESULT, Engagement

INPUT_TYPES = {
    "correctSiteSurvey": "CorrectSiteSurveyInput",
    "correctConsultation": "CorrectConsultationInput",
    "correctInspection": "CorrectInspectionInput",
    "correctTraining": "CorrectTrainingInput",
    "correctEmergency": "CorrectEmergencyInput",
    "correctComplaint": "CorrectComplaintInput",
    "correctPenalty": "CorrectPenaltyInput",
    "correctSatisfactionSurvey": "CorrectSatisfactionSurveyInput",
    "correctWorkLog": "CorrectWorkLogInput",
    "correctSeminar": "CorrectSeminarInput",
    "voidRecord": "VoidRecordInput",
    "correctListItem": "CorrectListItemInput",
    "voidListItem": "VoidListItemInput",
    "correctTeamMember": "CorrectTeamMemberInput",
    "voidTeamMember": "VoidTeamMemberInput",
    "suspendEngagement": "SuspendEngagementInput",
    "resumeEngagement": "ResumeEngagementInput",
    "terminateEngagement": "TerminateEngagementInput",
    "cancelEngagement": "CancelEngagementInput",
}

RESULT = STEP_RESULT + "\n  ... on RecordNotFound { field }"

VERSIONS = "versions { version change content reason changedBy }"
STATE = f"""
query($id: ID!, $all: Boolean!) {{
  engagement(id: $id) {{
    stage status statusReason statusOn terminatedByAgreement
    records(includeVoided: $all) {{ id kind occurredOn details version voided {VERSIONS} }}
    listItems(includeVoided: $all) {{
      id scope dueDate contractedQuantity doneQuantity version voided {VERSIONS}
    }}
    team(includeVoided: $all) {{ personId name role qualification version voided {VERSIONS} }}
    trace {{ eventType }}
  }}
}}"""


def change(e: Engagement, mutation: str, tok: Any = MANAGER, **fields: Any) -> dict[str, Any]:
    """Run a correction, void or lifecycle move as `tok` (default: the project manager)."""
    query = (
        f"mutation($input: {INPUT_TYPES[mutation]}!) {{ {mutation}(input: $input) {{ {RESULT} }} }}"
    )
    variables = {"input": {"engagementId": e.id, **fields}}
    body = e.api.gql(query, variables, e.manager if tok is MANAGER else tok)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][mutation]
    return result


def changed(e: Engagement, mutation: str, tok: Any = MANAGER, **fields: Any) -> dict[str, Any]:
    result = change(e, mutation, tok, **fields)
    assert result["__typename"] == "WorkflowStepSuccess", (mutation, result)
    return result


def state(e: Engagement, include_voided: bool = False) -> dict[str, Any]:
    body = e.api.gql(STATE, {"id": e.id, "all": include_voided}, e.manager)
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["engagement"]
    return found


def record_of(e: Engagement, kind: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in state(e)["records"] if r["kind"] == kind]
    [record] = found
    return record
