"""What the calendar learns from the other services' events: units and engagements
(who sees what), an engagement's list items and rectifications with their dates (the
same calendar), penalties (ad-hoc disclosure within 5 working days), and the steps
waiting for someone (my work).

One durable consumer per source service, each applying events in order; every handler
is idempotent by itself too (a replay of history changes nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive.enums import ArchiveAction
from contracts.archive.events import ArchiveActionV1
from contracts.compliance.enums import OccurrenceKind, WorkKind
from contracts.core import EventEnvelope
from contracts.engagement.enums import (
    LinkDirection,
    LinkRequestStatus,
    LinkStatus,
    ListItemStatus,
    RectificationStatus,
)
from contracts.engagement.events import (
    EngagementCreatedV1,
    HandedOverV1,
    ListItemAddedV1,
    ListItemFinishedV1,
    ListItemProposedV1,
    PenaltyRecordedV1,
    PlanConfirmedV1,
    PlanObjectedV1,
    PlanSubmittedV1,
    RectificationRaisedV1,
    RectificationUpdatedV1,
    StageReportAcceptedV1,
    StageReportObjectedV1,
    StageReportSubmittedV1,
    UnitLinkChangedV1,
    UnitLinkRequestDecidedV1,
    UnitLinkRequestedV1,
    UnitPermitsImportedV1,
    UnitRegisteredV1,
)
from contracts.evaluation.events import (
    ScorecardFalsifiedV1,
    ScorecardFinalizedV1,
    ScorecardOpenedV1,
)
from kit.ids import new_id
from kit.inbox import runs_of
from services.compliance.calendar import domain
from services.compliance.calendar import repository as calendar_repository
from services.compliance.intake import repository
from services.compliance.models import (
    EngagementLink,
    Occurrence,
    UnitEntry,
    WorkItem,
)
from services.compliance.obligations import commands as obligations
from services.compliance.rules import ruleset

LIST_ITEM_RULE = "engagement.list_item"
RECTIFICATION_RULE = "engagement.rectification"


def _source(engagement_id: UUID, what: str) -> UUID:
    """A stable id for a step that has none of its own (a plan version, a report)."""
    return uuid.uuid5(engagement_id, what)


async def on_engagement_event(session: AsyncSession, event: EventEnvelope) -> None:
    match event:
        case UnitRegisteredV1():
            await _unit(session, event)
            await _proposals_found(session, event)
        case UnitPermitsImportedV1():
            await obligations.register_imported(session, event)
        case EngagementCreatedV1():
            await _engagement(session, event)
        case UnitLinkChangedV1():
            await _link(session, event)
        case UnitLinkRequestedV1() | UnitLinkRequestDecidedV1():
            await _link_request(session, event)
        case ListItemProposedV1():
            proposed = event.data
            await _open_work(
                session,
                event,
                WorkKind.CUSTOMISED_ITEM_APPROVAL,
                "customised-item",
                f"定制化服务事项待审批：{proposed.catalogue_code} {proposed.title}",
                proposed.due_date,
                source_id=proposed.item_id,
            )
        case ListItemAddedV1():
            # Approved (or added in preparation): nothing waits for the client any more.
            await _close_work(session, WorkKind.CUSTOMISED_ITEM_APPROVAL, event.data.item_id, event)
            await _list_item(session, event)
        case ListItemFinishedV1():
            # A proposal may be waived before the client decided.
            await _close_work(session, WorkKind.CUSTOMISED_ITEM_APPROVAL, event.data.item_id, event)
            status = domain.DONE if event.data.status is ListItemStatus.DONE else domain.WAIVED
            await _close_engagement_occurrence(
                session, event.data.item_id, LIST_ITEM_RULE, status, event
            )
        case RectificationRaisedV1() | RectificationUpdatedV1():
            await _rectification(session, event)
        case PenaltyRecordedV1():
            await _ad_hoc_disclosure(session, event)
        case PlanSubmittedV1():
            await _open_work(
                session,
                event,
                WorkKind.PLAN_DECISION,
                f"plan:{event.data.version}",
                f"实施方案第{event.data.version}版待确认",
                None,
            )
        case PlanConfirmedV1() | PlanObjectedV1():
            await _close_all(session, event, WorkKind.PLAN_DECISION)
        case StageReportSubmittedV1():
            data = event.data
            await _open_work(
                session,
                event,
                WorkKind.STAGE_REPORT_REVIEW,
                f"stage-report:{data.report_no}:{data.version}",
                f"阶段性工作报告第{data.report_no}期待审阅",
                None,
            )
        case StageReportAcceptedV1() | StageReportObjectedV1():
            await _close_all(session, event, WorkKind.STAGE_REPORT_REVIEW)
        case HandedOverV1():
            await _open_work(
                session,
                event,
                WorkKind.HANDOVER_ACKNOWLEDGEMENT,
                "handover",
                "成果移交待签收",
                None,
            )
        case _:
            pass  # an engagement event that puts nothing on a calendar


async def on_archive_event(session: AsyncSession, event: EventEnvelope) -> None:
    if (
        isinstance(event, ArchiveActionV1)
        and event.data.action is ArchiveAction.HANDOVER_ACKNOWLEDGED
        and event.engagement_id is not None
    ):
        await _close_all(session, event, WorkKind.HANDOVER_ACKNOWLEDGEMENT)


async def on_evaluation_event(session: AsyncSession, event: EventEnvelope) -> None:
    match event:
        case ScorecardOpenedV1():
            await _open_work(
                session,
                event,
                WorkKind.SCORECARD,
                f"scorecard:{event.data.scorecard_id}",
                f"绩效评价 {event.data.period_label} 待评分",
                None,
                source_id=event.data.scorecard_id,
            )
        case ScorecardFinalizedV1() | ScorecardFalsifiedV1():
            row = await calendar_repository.work_item(
                session, WorkKind.SCORECARD.value, event.data.scorecard_id
            )
            if row is not None and row.is_open:
                row.is_open = False
                row.closed_at = event.occurred_at
                await session.flush()
        case _:
            pass


# --- directory ---------------------------------------------------------------------------


async def _unit(session: AsyncSession, event: UnitRegisteredV1) -> None:
    data = event.data
    if await repository.unit(session, data.unit_id) is None:
        session.add(
            UnitEntry(
                unit_id=data.unit_id,
                name=data.name,
                region_code=data.region_code,
                source_event_id=event.event_id,
            )
        )
        await session.flush()
    if data.registered_by_agency_id is not None:
        await repository.add_serving_agency(session, data.unit_id, data.registered_by_agency_id)
        if data.agency_file_name is not None:
            await repository.set_file_name(
                session, data.unit_id, data.registered_by_agency_id, data.agency_file_name
            )


async def _engagement(session: AsyncSession, event: EngagementCreatedV1) -> None:
    await link_engagements(session, [event])


async def link_engagements(session: AsyncSession, events: Sequence[EngagementCreatedV1]) -> None:
    """Engagements' units, agencies and clients, in one statement per table for a
    fetched batch of creations; the agency now serves the unit. A park's, group's or
    region's engagement also names the units whose calendar it sees."""
    created = [e.data for e in events]
    await repository.link_engagements(
        session,
        [
            {
                "engagement_id": d.engagement_id,
                "unit_id": d.unit_id,
                "agency_id": d.agency_id,
                "client_id": d.client_id,
            }
            for d in created
        ],
    )
    covers = dict.fromkeys((d.engagement_id, u) for d in created for u in d.covered_unit_ids)
    await repository.cover_units(session, [{"engagement_id": e, "unit_id": u} for e, u in covers])
    served = dict.fromkeys((d.unit_id, d.agency_id) for d in created)
    await repository.add_serving_agencies(
        session, [{"unit_id": u, "agency_id": a} for u, a in served]
    )


async def _link(session: AsyncSession, event: UnitLinkChangedV1) -> None:
    """An agency's link to a unit began or ended (issue 14): from now on it sees the
    unit's calendar, or no longer does."""
    data = event.data
    provisional = data.status is LinkStatus.PROVISIONAL
    await repository.set_link(
        session,
        data.unit_id,
        data.agency_id,
        active=data.status is LinkStatus.ACTIVE or provisional,
        provisional=provisional,
    )


async def _link_request(
    session: AsyncSession, event: UnitLinkRequestedV1 | UnitLinkRequestDecidedV1
) -> None:
    """A proposal waits for the unit's client admin, an invitation for the agency, in
    their work until it is accepted, declined, withdrawn or expires. A proposal for a
    USCC no unit has yet waits for nobody."""
    data = event.data
    proposal = data.direction is LinkDirection.PROPOSAL
    kind = WorkKind.UNIT_LINK_PROPOSAL if proposal else WorkKind.UNIT_LINK_INVITATION
    expires_on = data.expires_at.date() if data.expires_at else None
    if data.status is not LinkRequestStatus.PENDING:
        await repository.forget_unwaited(session, data.request_id)
        await _close_work(session, kind, data.request_id, event)
    elif data.unit_id is not None:
        await _open_link_work(
            session, kind, data.request_id, data.unit_id, data.agency_id, expires_on, event
        )
    elif proposal:
        await repository.keep_unwaited(
            session, data.request_id, data.uscc, data.agency_id, expires_on, event.occurred_at
        )


async def _open_link_work(
    session: AsyncSession,
    kind: WorkKind,
    request_id: UUID,
    unit_id: UUID,
    agency_id: UUID,
    expires_on: date | None,
    event: EventEnvelope,
) -> None:
    if await calendar_repository.work_item(session, kind.value, request_id) is not None:
        return  # a replay
    unit = await repository.unit(session, unit_id)
    proposal = kind is WorkKind.UNIT_LINK_PROPOSAL
    session.add(
        WorkItem(
            id=new_id(),
            kind=kind.value,
            source_id=request_id,
            engagement_id=None,
            unit_id=unit_id,
            agency_id=agency_id,
            region_code=unit.region_code if unit else "",
            title="服务机构提出托管服务建议待答复" if proposal else "企业邀请服务机构待答复",
            due_date=expires_on,
            is_open=True,
            opened_at=event.occurred_at,
            closed_at=None,
        )
    )
    await session.flush()


async def _proposals_found(session: AsyncSession, event: UnitRegisteredV1) -> None:
    """A unit entered the registry: the proposals made for its USCC before now wait for
    its client admin."""
    data = event.data
    for waiting in await repository.unwaited(session, data.uscc):
        await _open_link_work(
            session,
            WorkKind.UNIT_LINK_PROPOSAL,
            waiting.request_id,
            data.unit_id,
            waiting.agency_id,
            waiting.expires_on,
            event,
        )
        await session.delete(waiting)
    await session.flush()


async def _owner(session: AsyncSession, event: EventEnvelope) -> tuple[EngagementLink, str] | None:
    """The engagement of an event and its unit's region; None if either is unknown (an
    event from before this service existed, or out of order: logged by the caller)."""
    if event.engagement_id is None:
        return None
    link = await repository.engagement(session, event.engagement_id)
    if link is None:
        return None
    unit = await repository.unit(session, link.unit_id)
    return link, unit.region_code if unit else ""


# --- engagement items on the calendar ---------------------------------------------------


async def _engagement_occurrence(
    session: AsyncSession,
    event: EventEnvelope,
    *,
    source_id: UUID,
    kind: OccurrenceKind,
    rule_code: str,
    title: str,
    label: str,
    due: date,
    lead_days: list[int],
) -> Occurrence | None:
    owner = await _owner(session, event)
    if owner is None:
        return None
    link, region = owner
    row = await repository.engagement_occurrence(session, source_id, rule_code)
    if row is None:
        row = Occurrence(
            id=new_id(),
            unit_id=link.unit_id,
            agency_id=link.agency_id,
            region_code=region,
            engagement_id=link.engagement_id,
            source_id=source_id,
            kind=kind.value,
            rule_code=rule_code,
            ruleset_version=ruleset().version,
            title_zh=title,
            title_en=title,
            period_label=label,
            due_date=due,
            status=domain.OPEN,
            statement_only=False,
            lead_days=lead_days,
        )
        session.add(row)
    elif row.status == domain.OPEN:
        row.due_date = due
    await session.flush()
    return row


async def _list_item(session: AsyncSession, event: ListItemAddedV1) -> None:
    data = event.data
    if data.due_date is None:
        return
    await _engagement_occurrence(
        session,
        event,
        source_id=data.item_id,
        kind=OccurrenceKind.LIST_ITEM,
        rule_code=LIST_ITEM_RULE,
        title=f"{data.catalogue_code} {data.title}",
        label=data.catalogue_code,
        due=data.due_date,
        lead_days=[14, 3],
    )


async def _rectification(
    session: AsyncSession, event: RectificationRaisedV1 | RectificationUpdatedV1
) -> None:
    data = event.data
    row = await _engagement_occurrence(
        session,
        event,
        source_id=data.rectification_id,
        kind=OccurrenceKind.RECTIFICATION,
        rule_code=RECTIFICATION_RULE,
        title=f"整改：{data.problem_key}",
        label=data.problem_key[:40],
        due=data.due_date,
        lead_days=[7, 1],
    )
    if row is None:
        return
    # Rectified: the agency verifies; closed: done; reopened: open again.
    if data.status is RectificationStatus.RECTIFIED:
        await _open_work(
            session,
            event,
            WorkKind.RECTIFICATION_VERIFICATION,
            "",
            f"整改待验证：{data.problem_key}",
            data.due_date,
            source_id=data.rectification_id,
        )
    else:
        await _close_work(
            session, WorkKind.RECTIFICATION_VERIFICATION, data.rectification_id, event
        )
    if data.status is RectificationStatus.CLOSED and row.status == domain.OPEN:
        row.status = domain.DONE
        row.closed_at = event.occurred_at
        row.closed_by = event.actor
    elif data.status is RectificationStatus.OPEN and row.status == domain.DONE:
        row.status = domain.OPEN
        row.closed_at = row.closed_by = None
    await session.flush()


async def _close_engagement_occurrence(
    session: AsyncSession, source_id: UUID, rule_code: str, status: str, event: EventEnvelope
) -> None:
    row = await repository.engagement_occurrence(session, source_id, rule_code)
    if row is None or row.status != domain.OPEN:
        return
    row.status = status
    row.closed_at = event.occurred_at
    row.closed_by = event.actor
    await session.flush()


async def _ad_hoc_disclosure(session: AsyncSession, event: PenaltyRecordedV1) -> None:
    """企业环境信息临时披露: within 5 working days of the penalty decision."""
    rule = ruleset().event_rules["disclosure.ad_hoc"]
    decided = event.data.decided_on
    due = domain.due_date(domain.Period(decided, decided, ""), rule.deadline, domain.china())
    await _engagement_occurrence(
        session,
        event,
        source_id=event.data.penalty_id,
        kind=rule.kind,
        rule_code=rule.code,
        title=f"{rule.title_zh}（{event.data.authority}）",
        label=decided.isoformat(),
        due=due,
        lead_days=list(rule.lead_days),
    )


# --- work waiting for someone ------------------------------------------------------------


async def _open_work(
    session: AsyncSession,
    event: EventEnvelope,
    kind: WorkKind,
    what: str,
    title: str,
    due: date | None,
    *,
    source_id: UUID | None = None,
) -> None:
    owner = await _owner(session, event)
    if owner is None:
        return
    link, region = owner
    source = source_id or _source(link.engagement_id, what)
    row = await calendar_repository.work_item(session, kind.value, source)
    if row is None:
        session.add(
            WorkItem(
                id=new_id(),
                kind=kind.value,
                source_id=source,
                engagement_id=link.engagement_id,
                unit_id=link.unit_id,
                agency_id=link.agency_id,
                region_code=region,
                title=title,
                due_date=due,
                is_open=True,
                opened_at=event.occurred_at,
                closed_at=None,
            )
        )
    elif not row.is_open:
        row.is_open, row.closed_at, row.opened_at = True, None, event.occurred_at
    await session.flush()


async def _close_work(
    session: AsyncSession, kind: WorkKind, source_id: UUID, event: EventEnvelope
) -> None:
    row = await calendar_repository.work_item(session, kind.value, source_id)
    if row is not None and row.is_open:
        row.is_open = False
        row.closed_at = event.occurred_at
        await session.flush()


async def _close_all(session: AsyncSession, event: EventEnvelope, kind: WorkKind) -> None:
    if event.engagement_id is None:
        return
    for row in await calendar_repository.open_work_of_engagement(
        session, kind.value, event.engagement_id
    ):
        row.is_open = False
        row.closed_at = event.occurred_at or datetime.now(UTC)
    await session.flush()


# A fetched batch in its order: each run of creations linked by one statement per table,
# any other event on its own where it stands (a link change before a creation still
# finds the agency's link, one after it still changes it).
on_engagement_events = runs_of(EngagementCreatedV1, link_engagements, on_engagement_event)
