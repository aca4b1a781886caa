"""Driving the workflow over GraphQL, as a frontend would."""

from __future__ import annotations

import base64
from typing import Any

from tests.archive import archive_api
from tests.e2e.harness import Api, eventually, token

STEP_RESULT = """
  __typename
  ... on WorkflowStepSuccess { engagement { id stage } }
  ... on Error { code message }
  ... on TransitionNotAllowed { fromStage toStage missing }
  ... on ValidationError { field }
  ... on NotAuthorized { reason }
"""

INPUT_TYPES = {
    "addListItem": "AddListItemInput",
    "approveListItem": "ListItemInput",
    "finishListItem": "FinishListItemInput",
    "formTeam": "FormTeamInput",
    "recordSiteSurvey": "SiteSurveyInput",
    "updateChecklistItem": "ChecklistItemInput",
    "draftPlan": "DraftPlanInput",
    "submitPlan": "EngagementInput",
    "decidePlan": "DecidePlanInput",
    "recordConsultation": "ConsultationInput",
    "signContract": "SignContractInput",
    "recordInspection": "InspectionInput",
    "recordTraining": "TrainingInput",
    "recordEmergency": "EmergencyInput",
    "recordComplaint": "ComplaintInput",
    "recordPenalty": "PenaltyInput",
    "recordSatisfactionSurvey": "SatisfactionSurveyInput",
    "raiseRectification": "RaiseRectificationInput",
    "reportRectified": "RectifiedInput",
    "verifyRectification": "VerifyRectificationInput",
    "logWork": "WorkLogInput",
    "submitStageReport": "StageReportInput",
    "reviewStageReport": "ReviewStageReportInput",
    "recordSeminar": "SeminarInput",
    "completeImplementation": "EngagementInput",
    "handOver": "HandOverInput",
}

WORKFLOW = """
query($id: ID!) {
  engagement(id: $id) {
    stage contractedTeamSize contractSignedOn handedOverOn deliverables
    listItems {
      id catalogueCode status contractedQuantity doneQuantity customised waivedReason overdue
    }
    team { name role }
    planVersions { version status objectionReasons }
    checklist { completeness missing { code } }
    records { id kind occurredOn details }
    rectifications { id problemKey status notes recurring overdue closedOn }
    stageReports { reportNo version status solutions feedback }
    trace { seq eventType }
  }
}"""


MANAGER = object()  # "as the project manager", distinct from None (anonymous)


class Engagement:
    """One engagement and the people who work on it."""

    def __init__(self, api: Api, agency: str, engagement_id: str, unit_uuid: str) -> None:
        self.api = api
        self.id = engagement_id
        self.manager_agency = agency
        self.unit = unit_uuid
        self.manager = token(f"agency:{agency}", "project_manager", user="pm")
        self.engineer = token(f"agency:{agency}", "engineer", user="eng")
        self.client = token(f"unit:{unit_uuid}", "client_admin", user="client")

    def step(self, mutation: str, tok: Any = MANAGER, **fields: Any) -> dict[str, Any]:
        """Run a step as `tok` (default: the project manager; None: anonymous)."""
        query = (
            f"mutation($input: {INPUT_TYPES[mutation]}!) "
            f"{{ {mutation}(input: $input) {{ {STEP_RESULT} }} }}"
        )
        variables = {"input": {"engagementId": self.id, **fields}}
        body = self.api.gql(query, variables, self.manager if tok is MANAGER else tok)
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"][mutation]
        return result

    def ok(self, mutation: str, tok: Any = MANAGER, **fields: Any) -> str:
        """Run a step that must succeed; returns the stage after it."""
        result = self.step(mutation, tok, **fields)
        assert result["__typename"] == "WorkflowStepSuccess", (mutation, result)
        stage: str = result["engagement"]["stage"]
        return stage

    def state(self) -> dict[str, Any]:
        body = self.api.gql(WORKFLOW, {"id": self.id}, self.manager)
        assert "errors" not in body, body
        state: dict[str, Any] = body["data"]["engagement"]
        return state

    def traced(self, event_type: str, times: int = 1) -> list[dict[str, Any]]:
        """Wait until the archive traced `event_type` `times` times; returns the trace."""

        def check() -> list[dict[str, Any]] | None:
            trace = self.state()["trace"] or []
            seen = [t for t in trace if t["eventType"] == event_type]
            return trace if len(seen) >= times else None

        result: list[dict[str, Any]] = eventually(check)
        return result


def new_engagement(api: Api, agency: str) -> Engagement:
    admin = token(f"agency:{agency}", "agency_admin")
    unit = api.create_unit(admin)
    assert unit["__typename"] == "CreateUnitSuccess", unit
    made = api.create_engagement(admin, unit["unit"]["id"])
    assert made["__typename"] == "CreateEngagementSuccess", made
    unit_uuid = base64.b64decode(unit["unit"]["id"]).decode().split(":", 1)[1]
    return Engagement(api, agency, made["engagement"]["id"], unit_uuid)


TEAM = [
    {"personId": "0192f3a0-0000-7000-8000-0000000000a1", "name": "王工", "role": "项目经理",
     "qualification": "注册环保工程师"},
    {"personId": "0192f3a0-0000-7000-8000-0000000000a2", "name": "李工", "role": "现场工程师"},
]  # fmt: skip


def prepare(e: Engagement, *, quantity: int = 2) -> str:
    """Preparation up to a confirmed plan; returns the monitoring list item's id."""
    e.ok("addListItem", catalogueCode="6.1.5", scope="废水、废气季度监测",
         expectedEffect="达标排放", target="每季度一份监测报告", contractedQuantity=quantity,
         quantityUnit="inspection", dueDate="2027-12-31")  # fmt: skip
    e.ok("formTeam", contractedSize=2, members=TEAM)
    e.ok("recordSiteSurvey", e.engineer, surveyedOn="2027-01-05", participants=["李工", "厂长"],
         findings="雨污管线未分流")  # fmt: skip
    # A received document is a filed archive item of the engagement (checked by the archive).
    document = archive_api.upload(e.api, e.manager, e.id, b"%PDF-1.4 A.1.03",
                                  category="PROCESS_FILE", title="环评批复")  # fmt: skip
    e.ok("updateChecklistItem", e.engineer, code="A.1.03", status="received",
         documentRef=document["id"])  # fmt: skip
    e.ok("draftPlan", content="实施方案 v1")
    e.ok("submitPlan")
    e.ok("decidePlan", e.client, confirm=True)
    item_id: str = e.state()["listItems"][0]["id"]
    return item_id
