"""`handOver` (移交, R4.2.4.2): the engagement's handover step, which the archive records
as its handover. The archive first checks the deliverables with the caller's scope and
clearance (filed items of this engagement the caller may see; every required kind handed
over or waived with a reason), changing nothing; then the engagement service takes the
step, stage change and `engagement.handed_over.v1` in one commit, and the archive records
its handover (signed checkpoint, the unit's acknowledgement to come) from that event."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from contracts.archive import errors as archive_errors
from contracts.archive import handover as archive_handover
from contracts.engagement import actions as engagement_actions
from contracts.engagement.errors import EngagementNotFound as EngagementNotFoundError
from gateway.archive.access import caller_of
from gateway.archive.catalogue_types import ItemCategory
from gateway.archive.errors import ArchiveItemNotFound, ArchiveStateConflict, HandoverIncomplete
from gateway.context import Context, scope_of
from gateway.engagement.errors import (
    EngagementNotFound,
    TransitionNotAllowed,
    WorkflowConflict,
)
from gateway.engagement.types import Engagement
from gateway.engagement.workflow_mutations import AGENCY_STEP, WorkflowStepSuccess
from gateway.errors import NotAuthorized, ServiceUnavailable, ValidationError
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation


@strawberry.input(description="A required kind not handed over, and why.")
class HandoverWaiverInput:
    kind: ItemCategory  # type: ignore[valid-type]
    reason: str


@strawberry.input
class HandOverInput:
    engagement_id: strawberry.ID
    handed_over_on: date
    deliverables: list[strawberry.ID] = strawberry.field(
        description="ArchiveItem ids: filed items of this engagement (any version)."
    )
    waivers: list[HandoverWaiverInput] = strawberry.field(
        default_factory=list,
        description="Required kinds (summary report, results report, environmental "
        "management files, training/publicity material) not handed over, with the reason.",
    )


HandOverResult = Annotated[
    WorkflowStepSuccess
    | EngagementNotFound
    | TransitionNotAllowed
    | WorkflowConflict
    | ArchiveItemNotFound
    | ArchiveStateConflict
    | HandoverIncomplete
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("HandOverResult"),
]
HAND_OVER: ResultUnion[HandOverResult] = ResultUnion(HandOverResult)


async def hand_over(info: Info[Context, None], input: HandOverInput) -> HandOverResult:
    ctx = info.context

    async def request() -> engagement_actions.ActRequest:
        engagement = decode_global_id(input.engagement_id, "Engagement", field="engagementId")
        items = [
            decode_global_id(item, "ArchiveItem", field=f"deliverables.{n}")
            for n, item in enumerate(input.deliverables)
        ]
        waivers = [
            archive_handover.HandoverWaiver(kind=w.kind, reason=w.reason) for w in input.waivers
        ]
        try:
            checked = await ctx.clients.archive.check_handover(
                archive_handover.HandoverCheckRequest(
                    caller=caller_of(ctx), engagement_id=engagement, item_ids=items, waivers=waivers
                )
            )
        except archive_errors.ArchiveRecordNotFound:
            raise EngagementNotFoundError("no such engagement", field="engagement_id") from None
        return engagement_actions.ActRequest(
            engagement_id=engagement,
            scope=scope_of(ctx.authorizer),
            action=engagement_actions.HandOver(
                handed_over_on=input.handed_over_on,
                deliverables=[line.item_id for line in checked.lines],
                waivers=waivers,
            ),
        )

    return await run_mutation(
        info,
        HAND_OVER,
        AGENCY_STEP,
        request=request,
        send=ctx.clients.engagement.act,
        success=lambda view: WorkflowStepSuccess(engagement=Engagement.from_view(view)),
    )


@strawberry.type
class HandoverMutations:
    hand_over = strawberry.mutation(
        resolver=hand_over,
        description="移交: hand the deliverables (archive items) over, results → evaluation "
        "(R4.2.4.2). The archive records the handover with a signed checkpoint; the unit's "
        "client admin acknowledges it (`acknowledgeHandover`).",
    )
