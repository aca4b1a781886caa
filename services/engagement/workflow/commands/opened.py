"""The reply to createEngagement, written from the values the command has just stored.

Through pydantic the reply was validated again from the row (`EngagementView.from_row`)
and then serialised: values the command had checked a moment before. Here they go into
the contract's msgspec struct (`kit.struct_encoding`), which writes the same JSON byte
for byte (tests/engagement/test_create_reply.py). An engagement with fee terms or an
assessment keeps the pydantic path: those nested models are rare on this path and their
decimals and defaults are pydantic's to write.
"""

from __future__ import annotations

from contracts.engagement import rpc
from contracts.engagement.enums import EngagementStatus
from kit.rpc import RawReply
from kit.struct_encoding import encoded_reply
from services.engagement.workflow.new_engagement import NewEngagement
from services.engagement.workflow.views import engagement_view


def opened_reply(engagement: NewEngagement, region_code: str) -> rpc.EngagementView | RawReply:
    """The view of an engagement just opened (at its first stage, active, nothing after)."""
    if engagement.fee_terms or engagement.assessment:
        return engagement_view(engagement, region_code)
    return encoded_reply(
        rpc.EngagementView,
        id=engagement.id,
        unit_id=engagement.unit_id,
        agency_id=engagement.agency_id,
        service_modes=engagement.service_modes,
        period_start=engagement.period_start,
        period_end=engagement.period_end,
        stage=engagement.stage,
        region_code=region_code,
        created_at=engagement.created_at,
        status=EngagementStatus(engagement.status),
        client_id=engagement.client_id,
        results_basis=engagement.results_basis,
    )
