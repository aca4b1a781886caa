"""Stage reports and technical seminars (R4.2.3.2): submitted to the client, accepted,
or objected → feedback and optimisation → resubmitted; problems that need it go to a
technical seminar whose conclusion becomes the solution."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.core import ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement.enums import RecordKind, StageReportStatus
from contracts.engagement.errors import WorkflowConflict
from kit.ids import new_id
from services.engagement.models import StageReport
from services.engagement.workflow import repository
from services.engagement.workflow.commands.implementation import IMPLEMENTING
from services.engagement.workflow.commands.step import Step, handles
from services.engagement.workflow.domain import require_stage


async def _latest(step: Step, report_no: int) -> StageReport:
    report = await repository.latest_report(step.session, step.engagement.id, report_no)
    if report is None:
        raise ValidationFailed(
            "no stage report {report_no}", field="reportNo", params={"report_no": report_no}
        )
    return report


def _data(r: StageReport) -> engagement_event_data.StageReportData:
    return engagement_event_data.StageReportData(
        report_no=r.report_no,
        version=r.version,
        period_start=r.period_start,
        period_end=r.period_end,
        status=r.status,
        feedback=r.feedback,
    )


@handles(engagement_actions.SubmitStageReport)
async def submit_stage_report(step: Step, a: engagement_actions.SubmitStageReport) -> None:
    require_stage(step.stage, *IMPLEMENTING, step="a stage report")
    if a.period_end < a.period_start:
        raise ValidationFailed("the period must not end before it starts", field="periodEnd")
    solutions = a.solutions.strip()
    if a.report_no is None:
        last = await repository.last_report_no(step.session, step.engagement.id)
        report_no, version, seminar = last + 1, 1, None
    else:
        previous = await _latest(step, a.report_no)
        if previous.status != StageReportStatus.OBJECTED:
            raise WorkflowConflict(
                "stage report {report_no} is {status}; only an objected one is resubmitted",
                params={"report_no": a.report_no, "status": previous.status},
            )
        report_no, version = previous.report_no, previous.version + 1
        seminar = previous.seminar_conclusion
        solutions = solutions or (seminar or "")
    if not solutions:
        raise ValidationFailed("a stage report proposes solutions", field="solutions")
    report = StageReport(
        id=new_id(),
        engagement_id=step.engagement.id,
        report_no=report_no,
        version=version,
        period_start=a.period_start,
        period_end=a.period_end,
        problems=a.problems,
        solutions=solutions,
        status=StageReportStatus.SUBMITTED,
        feedback=None,
        seminar_conclusion=seminar,
        submitted_at=datetime.now(UTC),
        submitted_by=step.ctx.actor,
    )
    step.session.add(report)
    await step.emit(engagement_events.StageReportSubmittedV1, _data(report))


@handles(engagement_actions.ReviewStageReport)
async def review_stage_report(step: Step, a: engagement_actions.ReviewStageReport) -> None:
    require_stage(step.stage, *IMPLEMENTING, step="reviewing a stage report")
    report = await _latest(step, a.report_no)
    if report.status != StageReportStatus.SUBMITTED:
        raise WorkflowConflict(
            "stage report {report_no} is {status}, not submitted",
            params={"report_no": a.report_no, "status": report.status},
        )
    if not a.accept and not (a.feedback and a.feedback.strip()):
        raise ValidationFailed("an objection needs feedback", field="feedback")
    report.status = StageReportStatus.ACCEPTED if a.accept else StageReportStatus.OBJECTED
    report.feedback = a.feedback
    report.reviewed_at, report.reviewed_by = datetime.now(UTC), step.ctx.actor
    event = (
        engagement_events.StageReportAcceptedV1
        if a.accept
        else engagement_events.StageReportObjectedV1
    )
    await step.emit(event, _data(report))


@handles(engagement_actions.RecordSeminar)
async def record_seminar(step: Step, a: engagement_actions.RecordSeminar) -> None:
    require_stage(step.stage, *IMPLEMENTING, step="a technical seminar")
    if a.report_no is not None:
        report = await _latest(step, a.report_no)
        # The seminar's conclusion becomes the solution of the resubmitted report.
        report.seminar_conclusion = a.conclusion
    await step.record(RecordKind.TECHNICAL_SEMINAR, a.held_on, a, None, experts=a.expert_ids)
    await step.emit(
        engagement_events.SeminarHeldV1,
        engagement_event_data.SeminarData(
            held_on=a.held_on,
            experts=a.experts,
            departments=a.departments,
            conclusion=a.conclusion,
            report_no=a.report_no,
        ),
    )
