"""Inputs of corrections (更正), voids (作废) and the engagement's lifecycle moves.

A record's correction takes the same fields as recording it (the input it corrects,
inherited) plus the record and the reason, so an edit form is the form that created the
record, filled in with its current version."""

from __future__ import annotations

from datetime import date

import strawberry

from gateway.engagement import types as _enums  # noqa: F401  # SurveyMethod as a GraphQL enum
from gateway.engagement import workflow_inputs as w

RECORD_ID = "The record's `id` (as in `Engagement.records`)."
REASON = "Why (kept with the new version, shown in its history)."


@strawberry.input(description="A site survey's corrected content, with the reason.")
class CorrectSiteSurveyInput(w.SiteSurveyInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="An expert consultation's corrected content, with the reason.")
class CorrectConsultationInput(w.ConsultationInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="An inspection's corrected content, with the reason.")
class CorrectInspectionInput(w.InspectionInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="A training's corrected content, with the reason.")
class CorrectTrainingInput(w.TrainingInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="An emergency's corrected content, with the reason.")
class CorrectEmergencyInput(w.EmergencyInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="A complaint's corrected content, with the reason.")
class CorrectComplaintInput(w.ComplaintInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="A penalty's corrected content, with the reason.")
class CorrectPenaltyInput(w.PenaltyInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="A satisfaction survey's corrected content, with the reason.")
class CorrectSatisfactionSurveyInput(w.SatisfactionSurveyInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="A work log's corrected content, with the reason.")
class CorrectWorkLogInput(w.WorkLogInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="A technical seminar's corrected content, with the reason.")
class CorrectSeminarInput(w.SeminarInput):
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="Void (作废) a service record: kept with its versions, not counted.")
class VoidRecordInput:
    engagement_id: strawberry.ID
    record_id: strawberry.ID = strawberry.field(description=RECORD_ID)
    kind: str = strawberry.field(
        description="The record's kind (`inspection`, `training`, …), as in `records`."
    )
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="A service list item corrected before the contract.")
class CorrectListItemInput:
    engagement_id: strawberry.ID
    item_id: strawberry.ID
    reason: str = strawberry.field(description=REASON)
    scope: str
    expected_effect: str = ""
    target: str = ""
    contracted_quantity: int | None = None
    quantity_unit: str | None = None
    due_date: date | None = strawberry.field(default=None, description="Time node (时间节点).")


@strawberry.input(description="Void a service list item before the contract.")
class VoidListItemInput:
    engagement_id: strawberry.ID
    item_id: strawberry.ID
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="A team member's name, role or qualification corrected.")
class CorrectTeamMemberInput:
    engagement_id: strawberry.ID
    person_id: strawberry.ID
    reason: str = strawberry.field(description=REASON)
    name: str
    role: str
    qualification: str | None = None


@strawberry.input(description="Void a team member (listed by mistake).")
class VoidTeamMemberInput:
    engagement_id: strawberry.ID
    person_id: strawberry.ID
    reason: str = strawberry.field(description=REASON)


@strawberry.input(description="Suspend (暂停) an engagement from a date, with the reason.")
class SuspendEngagementInput:
    engagement_id: strawberry.ID
    reason: str
    suspended_from: date


@strawberry.input
class ResumeEngagementInput:
    engagement_id: strawberry.ID
    resumed_on: date


@strawberry.input(description="Terminate (提前终止) an engagement early, after its contract.")
class TerminateEngagementInput:
    engagement_id: strawberry.ID
    reason: str
    terminated_on: date = strawberry.field(description="The last day served.")
    by_agreement: bool = strawberry.field(description="By agreement of both parties (协商一致).")


@strawberry.input(description="Cancel (撤销) an engagement created by mistake, before contract.")
class CancelEngagementInput:
    engagement_id: strawberry.ID
    reason: str
