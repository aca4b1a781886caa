"""Corrections (更正) and voids (作废), and the engagement's lifecycle (suspend, resume,
terminate early, cancel), as workflow steps: each takes one input naming the engagement
and returns `WorkflowStepResult`.

Why one mutation per record kind for corrections (`correctInspection`, …) but one
`voidRecord`: a correction carries the kind's own typed fields (the same input as
recording it, so a frontend reuses its form and GraphQL checks every field), while a
void carries only the record, its kind and a reason. Who may correct or void a kind is
who may record it: the engineers' kinds (`activity`, `record`) or the managers'
(`engagement`, `update`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from contracts.core import Contract
from contracts.engagement import actions as engagement_actions
from contracts.engagement.enums import RecordKind
from gateway.engagement import corrections_inputs as inputs
from gateway.engagement.workflow_mutations import AGENCY_STEP, FIELD_WORK, workflow_step

A = engagement_actions
CREATOR = ("engagement", "create")  # who opens engagements may cancel a mistaken one

# Who records (hence corrects and voids) each kind: as the recording mutations say.
RECORDED_BY: dict[RecordKind, tuple[str, str]] = {
    RecordKind.SITE_SURVEY: FIELD_WORK,
    RecordKind.EXPERT_CONSULTATION: AGENCY_STEP,
    RecordKind.INSPECTION: FIELD_WORK,
    RecordKind.TRAINING: FIELD_WORK,
    RecordKind.EMERGENCY: FIELD_WORK,
    RecordKind.COMPLAINT: AGENCY_STEP,
    RecordKind.PENALTY: AGENCY_STEP,
    RecordKind.WORK_LOG: FIELD_WORK,
    RecordKind.SATISFACTION_SURVEY: FIELD_WORK,
    RecordKind.TECHNICAL_SEMINAR: AGENCY_STEP,
}


def correcting(content: type[Contract]) -> Callable[..., engagement_actions.CorrectRecord]:
    """The correction action from the recording input's fields, the record and reason."""

    def build(*, record_id: str, reason: str, **fields: Any) -> engagement_actions.CorrectRecord:
        return engagement_actions.CorrectRecord(
            record_id=record_id,  # pydantic parses the UUID
            reason=reason,
            record=content(**fields),
        )

    return build


def correct(input_type: type[Any], kind: RecordKind, content: type[Contract], what: str) -> Any:
    return workflow_step(
        input_type,
        RECORDED_BY[kind],
        correcting(content),
        f"Correct {what}: a new version with the reason; the old one stays in `versions`.",
    )


def void_permission(kind: str) -> tuple[str, str]:
    """The stricter of the two when the kind is unknown (the service refuses it anyway)."""
    try:
        return RECORDED_BY[RecordKind(kind)]
    except ValueError:
        return AGENCY_STEP


@strawberry.type
class CorrectionMutations:
    correct_site_survey = correct(
        inputs.CorrectSiteSurveyInput, RecordKind.SITE_SURVEY, A.RecordSiteSurvey, "a site survey"
    )
    correct_consultation = correct(
        inputs.CorrectConsultationInput,
        RecordKind.EXPERT_CONSULTATION,
        A.RecordConsultation,
        "an expert consultation",
    )
    correct_inspection = correct(
        inputs.CorrectInspectionInput, RecordKind.INSPECTION, A.RecordInspection, "an inspection"
    )
    correct_training = correct(
        inputs.CorrectTrainingInput, RecordKind.TRAINING, A.RecordTraining, "a training"
    )
    correct_emergency = correct(
        inputs.CorrectEmergencyInput, RecordKind.EMERGENCY, A.RecordEmergency, "an emergency"
    )
    correct_complaint = correct(
        inputs.CorrectComplaintInput, RecordKind.COMPLAINT, A.RecordComplaint, "a complaint"
    )
    correct_penalty = correct(
        inputs.CorrectPenaltyInput, RecordKind.PENALTY, A.RecordPenalty, "a penalty"
    )
    correct_satisfaction_survey = correct(
        inputs.CorrectSatisfactionSurveyInput,
        RecordKind.SATISFACTION_SURVEY,
        A.RecordSurvey,
        "a satisfaction survey",
    )
    correct_work_log = correct(
        inputs.CorrectWorkLogInput, RecordKind.WORK_LOG, A.LogWork, "a work log"
    )
    correct_seminar = correct(
        inputs.CorrectSeminarInput,
        RecordKind.TECHNICAL_SEMINAR,
        A.RecordSeminar,
        "a technical seminar",
    )
    void_record = workflow_step(
        inputs.VoidRecordInput,
        lambda input: void_permission(input.kind),
        A.VoidRecord,
        "Void (作废) a service record with the reason: hidden from `records` (unless "
        "`includeVoided`), no longer evidence, kept with its versions.",
    )
    correct_list_item = workflow_step(
        inputs.CorrectListItemInput,
        AGENCY_STEP,
        A.CorrectListItem,
        "Correct a service list item before the contract (R4.2.2.1).",
    )
    void_list_item = workflow_step(
        inputs.VoidListItemInput,
        AGENCY_STEP,
        A.VoidListItem,
        "Void a service list item before the contract: kept in history, no longer counted.",
    )
    correct_team_member = workflow_step(
        inputs.CorrectTeamMemberInput,
        AGENCY_STEP,
        A.CorrectTeamMember,
        "Correct a team member's name, role or qualification (R4.2.2.2).",
    )
    void_team_member = workflow_step(
        inputs.VoidTeamMemberInput,
        AGENCY_STEP,
        A.VoidTeamMember,
        "Void a team member listed by mistake: kept in history, no longer counted.",
    )
    suspend_engagement = workflow_step(
        inputs.SuspendEngagementInput,
        AGENCY_STEP,
        A.SuspendEngagement,
        "Suspend (暂停): no steps but corrections, no overdue announcements, until resumed.",
    )
    resume_engagement = workflow_step(
        inputs.ResumeEngagementInput,
        AGENCY_STEP,
        A.ResumeEngagement,
        "Resume a suspended engagement in the stage it was in.",
    )
    terminate_engagement = workflow_step(
        inputs.TerminateEngagementInput,
        AGENCY_STEP,
        A.TerminateEngagement,
        "Terminate early (提前终止) after the contract: evaluated for the period served.",
    )
    cancel_engagement = workflow_step(
        inputs.CancelEngagementInput,
        CREATOR,
        A.CancelEngagement,
        "Cancel (撤销) an engagement created by mistake, before its contract is signed.",
    )
