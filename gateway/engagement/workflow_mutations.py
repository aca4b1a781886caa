"""Mutations for every workflow step of figure 1. Each takes one input naming the
engagement and returns `WorkflowStepResult`: the engagement after the step, or a
typed error (a refused step writes nothing).

A step is one row here: its input (gateway/engagement/workflow_inputs.py), who may take
it, and the action contract the input's other fields build."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from contracts.engagement import actions as engagement_actions
from gateway.archive.errors import EvidenceNotFiled, EvidenceNotFound, EvidenceOtherEngagement
from gateway.context import Context, scope_of
from gateway.engagement import workflow_inputs as workflow_inputs
from gateway.engagement.errors import (
    EngagementNotFound,
    ListItemNotFound,
    RecordNotFound,
    TransitionNotAllowed,
    WorkflowConflict,
)
from gateway.engagement.evidence_check import checked_items
from gateway.engagement.types import Engagement
from gateway.errors import NotAuthorized, ServiceUnavailable, ValidationError
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation

# Who may take which step (casbin objects/actions; see gateway/authz/policy.csv).
AGENCY_STEP = ("engagement", "update")  # project managers and agency admins
FIELD_WORK = ("activity", "record")  # engineers on the team, and those above them
CLIENT_DECISION = ("plan", "decide")  # the unit's client admin (委托方)
CLIENT_APPROVAL = ("change_request", "approve")
RECTIFICATION = ("rectification", "report")  # the unit's people or the agency's engineers
RESULTS_ACCEPTANCE = ("results", "accept")  # 验收: the unit's client admin (委托方)


@strawberry.type
class WorkflowStepSuccess:
    engagement: Engagement


WorkflowStepResult = Annotated[
    WorkflowStepSuccess
    | EngagementNotFound
    | ListItemNotFound
    | RecordNotFound
    | TransitionNotAllowed
    | WorkflowConflict
    | EvidenceNotFound
    | EvidenceNotFiled
    | EvidenceOtherEngagement
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("WorkflowStepResult"),
]
WORKFLOW_STEP: ResultUnion[WorkflowStepResult] = ResultUnion(WorkflowStepResult)


def workflow_step(
    input_type: type[Any],
    permission: tuple[str, str] | Callable[[Any], tuple[str, str]],
    action: Callable[..., engagement_actions.Action],
    description: str,
) -> Any:
    """A mutation taking `input_type`: the input's fields but the engagement id build
    `action`, which the engagement service then applies. `permission` may depend on
    the input (voiding a record needs what recording its kind needs)."""

    async def step(info: Info[Context, None], input: Any) -> Any:
        ctx = info.context

        async def request() -> engagement_actions.ActRequest:
            engagement = decode_global_id(input.engagement_id, "Engagement", field="engagementId")
            fields = dataclasses.asdict(input)
            fields.pop("engagement_id")
            # Archive items the record links, and a checklist document: the archive
            # checks them first (filed, this engagement's, visible to the caller).
            evidence = await checked_items(ctx, engagement, fields.pop("evidence", []), "evidence")
            if fields.get("document_ref"):
                [document] = await checked_items(
                    ctx, engagement, [fields.pop("document_ref")], "documentRef", indexed=False
                )
                fields["document_item_id"] = document
            return engagement_actions.ActRequest(
                engagement_id=engagement,
                scope=scope_of(ctx.authorizer),
                action=action(**fields),
                evidence=evidence,
            )

        return await run_mutation(
            info,
            WORKFLOW_STEP,
            permission(input) if callable(permission) else permission,
            request=request,
            send=ctx.clients.engagement.act,
            success=lambda view: WorkflowStepSuccess(engagement=Engagement.from_view(view)),
        )

    step.__annotations__ = {
        "info": Info[Context, None],
        "input": input_type,
        "return": WorkflowStepResult,
    }
    return strawberry.mutation(resolver=step, description=description)


@strawberry.type
class WorkflowMutations:
    # --- preparation (准备, R4.2.2) -----------------------------------------------------
    add_list_item = workflow_step(
        workflow_inputs.AddListItemInput,
        AGENCY_STEP,
        engagement_actions.AddListItem,
        "Add a service list item (R4.2.2.1; R5.2 when customised).",
    )
    approve_list_item = workflow_step(
        workflow_inputs.ListItemInput,
        CLIENT_APPROVAL,
        engagement_actions.ApproveListItem,
        "The client approves a customised item added mid-way (R5.2).",
    )
    finish_list_item = workflow_step(
        workflow_inputs.FinishListItemInput,
        AGENCY_STEP,
        engagement_actions.FinishListItem,
        "Complete a list item, or waive it with a reason.",
    )
    form_team = workflow_step(
        workflow_inputs.FormTeamInput,
        AGENCY_STEP,
        engagement_actions.FormTeam,
        "Form (or re-form) the service team (R4.2.2.2).",
    )
    record_site_survey = workflow_step(
        workflow_inputs.SiteSurveyInput,
        FIELD_WORK,
        engagement_actions.RecordSiteSurvey,
        "Record a site survey (R4.2.2.3).",
    )
    update_checklist_item = workflow_step(
        workflow_inputs.ChecklistItemInput,
        FIELD_WORK,
        engagement_actions.UpdateChecklistItem,
        "Mark an Appendix A document received or not applicable.",
    )
    draft_plan = workflow_step(
        workflow_inputs.DraftPlanInput,
        AGENCY_STEP,
        engagement_actions.DraftPlan,
        "Draft the implementation plan (a new version after an objection).",
    )
    submit_plan = workflow_step(
        workflow_inputs.EngagementInput,
        AGENCY_STEP,
        engagement_actions.SubmitPlan,
        "Submit the draft plan to the client (报委托方确认, R4.2.2.4).",
    )
    decide_plan = workflow_step(
        workflow_inputs.DecidePlanInput,
        CLIENT_DECISION,
        engagement_actions.DecidePlan,
        "The client confirms the plan or objects with reasons (R4.2.2.4).",
    )
    record_consultation = workflow_step(
        workflow_inputs.ConsultationInput,
        AGENCY_STEP,
        engagement_actions.RecordConsultation,
        "Record an expert consultation meeting (专家咨询会).",
    )
    sign_contract = workflow_step(
        workflow_inputs.SignContractInput,
        AGENCY_STEP,
        engagement_actions.SignContract,
        "Sign the service contract: preparation → implementation (R4.2.2.5).",
    )
    # --- implementation (实施, R4.2.3) -------------------------------------------------
    record_inspection = workflow_step(
        workflow_inputs.InspectionInput,
        FIELD_WORK,
        engagement_actions.RecordInspection,
        "Record an inspection (排查) and its rectification plans.",
    )
    record_training = workflow_step(
        workflow_inputs.TrainingInput,
        FIELD_WORK,
        engagement_actions.RecordTraining,
        "Record a training held.",
    )
    record_emergency = workflow_step(
        workflow_inputs.EmergencyInput,
        FIELD_WORK,
        engagement_actions.RecordEmergency,
        "Record an environmental emergency handled (R6.1.4.2).",
    )
    record_complaint = workflow_step(
        workflow_inputs.ComplaintInput,
        AGENCY_STEP,
        engagement_actions.RecordComplaint,
        "Record a quality complaint about the service.",
    )
    record_penalty = workflow_step(
        workflow_inputs.PenaltyInput,
        AGENCY_STEP,
        engagement_actions.RecordPenalty,
        "Record an environmental penalty on the unit.",
    )
    record_satisfaction_survey = workflow_step(
        workflow_inputs.SatisfactionSurveyInput,
        FIELD_WORK,
        engagement_actions.RecordSurvey,
        "Record a satisfaction survey (R4.2.3.1).",
    )
    raise_rectification = workflow_step(
        workflow_inputs.RaiseRectificationInput,
        FIELD_WORK,
        engagement_actions.RaiseRectification,
        "Raise a rectification item (整改) from an inspection.",
    )
    report_rectified = workflow_step(
        workflow_inputs.RectifiedInput,
        RECTIFICATION,
        engagement_actions.ReportRectified,
        "Report a rectification item done (the unit or the agency).",
    )
    verify_rectification = workflow_step(
        workflow_inputs.VerifyRectificationInput,
        FIELD_WORK,
        engagement_actions.VerifyRectification,
        "Verify a rectified item: closed, or back to open.",
    )
    log_work = workflow_step(
        workflow_inputs.WorkLogInput,
        FIELD_WORK,
        engagement_actions.LogWork,
        "Log work (工作日志): who, when, where, mode, what, hours.",
    )
    submit_stage_report = workflow_step(
        workflow_inputs.StageReportInput,
        AGENCY_STEP,
        engagement_actions.SubmitStageReport,
        "Submit a stage report, or resubmit an objected one (R4.2.3.2).",
    )
    review_stage_report = workflow_step(
        workflow_inputs.ReviewStageReportInput,
        CLIENT_DECISION,
        engagement_actions.ReviewStageReport,
        "The client accepts a stage report or objects with feedback.",
    )
    record_seminar = workflow_step(
        workflow_inputs.SeminarInput,
        AGENCY_STEP,
        engagement_actions.RecordSeminar,
        "Record a technical seminar (技术研讨会) and its conclusion.",
    )
    # --- results (成果) and evaluation (评价) ------------------------------------------
    complete_implementation = workflow_step(
        workflow_inputs.EngagementInput,
        AGENCY_STEP,
        engagement_actions.CompleteImplementation,
        "All tasks done or waived: implementation → results (R4.2.4.1).",
    )
    decide_results = workflow_step(
        workflow_inputs.DecideResultsInput,
        RESULTS_ACCEPTANCE,
        engagement_actions.DecideResults,
        "验收 (R4.2.5): the client accepts the handed-over results (evaluation opens) or "
        "returns them with reasons (back to results, to be handed over again).",
    )
    # hand_over (移交) has its own mutation: the archive checks its deliverables first
    # (gateway/engagement/handover.py).
