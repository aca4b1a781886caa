"""Events of the engagement service, published through its outbox.

Subjects are `ecohost.events.<type>`; `ENGAGEMENT_EVENTS` lists every one, and
`ENGAGEMENT_EVENTS_SUBJECT` matches them all, for a consumer that takes them all.
"""

from __future__ import annotations

from typing import Literal

from contracts.core import TYPED_EVENT, EventEnvelope, service_events_subject
from contracts.engagement.event_data import (
    ChecklistItemData,
    ComplaintRecordedData,
    ConsultationData,
    ContractSignedData,
    EmergencyClosedData,
    EngagementCreatedData,
    EvidenceChangedData,
    HandedOverData,
    InspectionCompletedData,
    LifecycleData,
    ListItemAddedData,
    ListItemFinishedData,
    MilestoneOverdueData,
    PenaltyRecordedData,
    PlanVersionData,
    RectificationData,
    RectificationOverdueData,
    ResultsAcceptedData,
    ResultsReturnedData,
    RevisionData,
    SeminarData,
    SiteSurveyData,
    StageChangedData,
    StageReportData,
    SurveyRecordedData,
    TeamFormedData,
    TrainingHeldData,
    UnitLinkData,
    UnitLinkRequestData,
    UnitPermitsImportedData,
    UnitRegisteredData,
    WorkLoggedData,
)


class UnitPermitsImportedV1(EventEnvelope):
    """An agency imported a unit's permits with it (importUnits): for the compliance
    service to register; published after the unit's UnitRegisteredV1."""

    model_config = TYPED_EVENT
    type: Literal["engagement.unit_permits_imported.v1"] = "engagement.unit_permits_imported.v1"
    data: UnitPermitsImportedData  # type: ignore[assignment]


class UnitRegisteredV1(EventEnvelope):
    """A pollutant-discharging unit (排污单位) was entered in the directory. Announced again
    (same unit, the registry's values) when another agency enters the unit's USCC and gets
    a provisional link (issue 14): `registered_by_agency_id` names that agency; consumers
    keep the unit's first announcement and learn the agency serves it."""

    model_config = TYPED_EVENT
    type: Literal["engagement.unit_registered.v1"] = "engagement.unit_registered.v1"
    data: UnitRegisteredData  # type: ignore[assignment]


class EngagementCreatedV1(EventEnvelope):
    """A hosting engagement began from a signed agreement (签订托管服务协议, R4.2.1)."""

    model_config = TYPED_EVENT
    type: Literal["engagement.created.v1"] = "engagement.created.v1"
    data: EngagementCreatedData  # type: ignore[assignment]


class StageChangedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.stage_changed.v1"] = "engagement.stage_changed.v1"
    data: StageChangedData  # type: ignore[assignment]


class ListItemAddedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.list_item_added.v1"] = "engagement.list_item_added.v1"
    data: ListItemAddedData  # type: ignore[assignment]


class ListItemProposedV1(EventEnvelope):
    """A customised item proposed during implementation (R5.2): it waits for the client's
    approval, after which `list_item_added.v1` announces it like any other item."""

    model_config = TYPED_EVENT
    type: Literal["engagement.list_item_proposed.v1"] = "engagement.list_item_proposed.v1"
    data: ListItemAddedData  # type: ignore[assignment]


class TeamFormedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.team_formed.v1"] = "engagement.team_formed.v1"
    data: TeamFormedData  # type: ignore[assignment]


class InspectionCompletedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.inspection_completed.v1"] = "engagement.inspection_completed.v1"
    data: InspectionCompletedData  # type: ignore[assignment]


class TrainingHeldV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.training_held.v1"] = "engagement.training_held.v1"
    data: TrainingHeldData  # type: ignore[assignment]


class EmergencyClosedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.emergency_closed.v1"] = "engagement.emergency_closed.v1"
    data: EmergencyClosedData  # type: ignore[assignment]


class ComplaintRecordedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.complaint_recorded.v1"] = "engagement.complaint_recorded.v1"
    data: ComplaintRecordedData  # type: ignore[assignment]


class PenaltyRecordedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.penalty_recorded.v1"] = "engagement.penalty_recorded.v1"
    data: PenaltyRecordedData  # type: ignore[assignment]


class SurveyRecordedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.survey_recorded.v1"] = "engagement.survey_recorded.v1"
    data: SurveyRecordedData  # type: ignore[assignment]


class PlanDraftedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.plan_drafted.v1"] = "engagement.plan_drafted.v1"
    data: PlanVersionData  # type: ignore[assignment]


class PlanSubmittedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.plan_submitted.v1"] = "engagement.plan_submitted.v1"
    data: PlanVersionData  # type: ignore[assignment]


class PlanConfirmedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.plan_confirmed.v1"] = "engagement.plan_confirmed.v1"
    data: PlanVersionData  # type: ignore[assignment]


class PlanObjectedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.plan_objected.v1"] = "engagement.plan_objected.v1"
    data: PlanVersionData  # type: ignore[assignment]


class SiteSurveyRecordedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.site_survey_recorded.v1"] = "engagement.site_survey_recorded.v1"
    data: SiteSurveyData  # type: ignore[assignment]


class ChecklistItemUpdatedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.checklist_item_updated.v1"] = "engagement.checklist_item_updated.v1"
    data: ChecklistItemData  # type: ignore[assignment]


class ConsultationHeldV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.consultation_held.v1"] = "engagement.consultation_held.v1"
    data: ConsultationData  # type: ignore[assignment]


class ContractSignedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.contract_signed.v1"] = "engagement.contract_signed.v1"
    data: ContractSignedData  # type: ignore[assignment]


class ListItemFinishedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.list_item_finished.v1"] = "engagement.list_item_finished.v1"
    data: ListItemFinishedData  # type: ignore[assignment]


class StageReportSubmittedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.stage_report_submitted.v1"] = "engagement.stage_report_submitted.v1"
    data: StageReportData  # type: ignore[assignment]


class StageReportAcceptedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.stage_report_accepted.v1"] = "engagement.stage_report_accepted.v1"
    data: StageReportData  # type: ignore[assignment]


class StageReportObjectedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.stage_report_objected.v1"] = "engagement.stage_report_objected.v1"
    data: StageReportData  # type: ignore[assignment]


class SeminarHeldV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.seminar_held.v1"] = "engagement.seminar_held.v1"
    data: SeminarData  # type: ignore[assignment]


class HandedOverV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.handed_over.v1"] = "engagement.handed_over.v1"
    data: HandedOverData  # type: ignore[assignment]


class MilestoneOverdueV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.milestone_overdue.v1"] = "engagement.milestone_overdue.v1"
    data: MilestoneOverdueData  # type: ignore[assignment]


class RectificationRaisedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.rectification_raised.v1"] = "engagement.rectification_raised.v1"
    data: RectificationData  # type: ignore[assignment]


class RectificationUpdatedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.rectification_updated.v1"] = "engagement.rectification_updated.v1"
    data: RectificationData  # type: ignore[assignment]


class RectificationOverdueV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.rectification_overdue.v1"] = "engagement.rectification_overdue.v1"
    data: RectificationOverdueData  # type: ignore[assignment]


class WorkLoggedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.work_logged.v1"] = "engagement.work_logged.v1"
    data: WorkLoggedData  # type: ignore[assignment]


class RecordCorrectedV1(EventEnvelope):
    """A record, list item, team member or unit profile was corrected: a new version."""

    model_config = TYPED_EVENT
    type: Literal["engagement.record_corrected.v1"] = "engagement.record_corrected.v1"
    data: RevisionData  # type: ignore[assignment]


class RecordVoidedV1(EventEnvelope):
    """A record, list item or team member was voided (作废): kept, no longer counted."""

    model_config = TYPED_EVENT
    type: Literal["engagement.record_voided.v1"] = "engagement.record_voided.v1"
    data: RevisionData  # type: ignore[assignment]


class EngagementSuspendedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.suspended.v1"] = "engagement.suspended.v1"
    data: LifecycleData  # type: ignore[assignment]


class EngagementResumedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.resumed.v1"] = "engagement.resumed.v1"
    data: LifecycleData  # type: ignore[assignment]


class EngagementTerminatedV1(EventEnvelope):
    """Terminated early (提前终止): the period served ends on `data.on`."""

    model_config = TYPED_EVENT
    type: Literal["engagement.terminated.v1"] = "engagement.terminated.v1"
    data: LifecycleData  # type: ignore[assignment]


class EngagementCancelledV1(EventEnvelope):
    """Cancelled before the contract (created by mistake); never evaluated."""

    model_config = TYPED_EVENT
    type: Literal["engagement.cancelled.v1"] = "engagement.cancelled.v1"
    data: LifecycleData  # type: ignore[assignment]


class ResultsAcceptedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.results_accepted.v1"] = "engagement.results_accepted.v1"
    data: ResultsAcceptedData  # type: ignore[assignment]


class ResultsReturnedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.results_returned.v1"] = "engagement.results_returned.v1"
    data: ResultsReturnedData  # type: ignore[assignment]


class EvidenceChangedV1(EventEnvelope):
    model_config = TYPED_EVENT
    type: Literal["engagement.evidence_changed.v1"] = "engagement.evidence_changed.v1"
    data: EvidenceChangedData  # type: ignore[assignment]


class UnitLinkRequestedV1(EventEnvelope):
    """An agency proposed an engagement to a unit (by USCC), or a unit invited an agency."""

    model_config = TYPED_EVENT
    type: Literal["engagement.unit_link_requested.v1"] = "engagement.unit_link_requested.v1"
    data: UnitLinkRequestData  # type: ignore[assignment]


class UnitLinkRequestDecidedV1(EventEnvelope):
    """A proposal or invitation was accepted, declined, withdrawn or expired."""

    model_config = TYPED_EVENT
    type: Literal["engagement.unit_link_request_decided.v1"] = (
        "engagement.unit_link_request_decided.v1"
    )
    data: UnitLinkRequestData  # type: ignore[assignment]


class UnitLinkChangedV1(EventEnvelope):
    """An agency's link to a unit began or ended: who sees and works on the unit."""

    model_config = TYPED_EVENT
    type: Literal["engagement.unit_link_changed.v1"] = "engagement.unit_link_changed.v1"
    data: UnitLinkData  # type: ignore[assignment]


ENGAGEMENT_EVENTS_SUBJECT = service_events_subject("engagement")
ENGAGEMENT_EVENTS: tuple[type[EventEnvelope], ...] = (
    UnitRegisteredV1,
    UnitPermitsImportedV1,
    EngagementCreatedV1,
    StageChangedV1,
    ListItemAddedV1,
    ListItemProposedV1,
    TeamFormedV1,
    InspectionCompletedV1,
    TrainingHeldV1,
    EmergencyClosedV1,
    ComplaintRecordedV1,
    PenaltyRecordedV1,
    SurveyRecordedV1,
    PlanDraftedV1,
    PlanSubmittedV1,
    PlanConfirmedV1,
    PlanObjectedV1,
    SiteSurveyRecordedV1,
    ChecklistItemUpdatedV1,
    ConsultationHeldV1,
    ContractSignedV1,
    ListItemFinishedV1,
    StageReportSubmittedV1,
    StageReportAcceptedV1,
    StageReportObjectedV1,
    SeminarHeldV1,
    HandedOverV1,
    MilestoneOverdueV1,
    RectificationRaisedV1,
    RectificationUpdatedV1,
    RectificationOverdueV1,
    WorkLoggedV1,
    RecordCorrectedV1,
    RecordVoidedV1,
    EngagementSuspendedV1,
    EngagementResumedV1,
    EngagementTerminatedV1,
    EngagementCancelledV1,
    ResultsAcceptedV1,
    ResultsReturnedV1,
    EvidenceChangedV1,
    UnitLinkRequestedV1,
    UnitLinkRequestDecidedV1,
    UnitLinkChangedV1,
)
