"""The engagement service's events about one unit entered by two agencies, the second on
a provisional link (issue 14), as the services that consume them receive them."""

from __future__ import annotations

from uuid import UUID

from contracts.engagement.enums import LinkStatus
from contracts.engagement.event_data import UnitLinkData, UnitRegisteredData
from contracts.engagement.events import UnitLinkChangedV1, UnitRegisteredV1
from kit.events import make_event
from kit.ids import new_id
from kit.rpc import CallContext

CTX = CallContext(actor="pm", tenant="agency:x", correlation_id="c")
UNIT, FIRST, SECOND = new_id(), new_id(), new_id()
REGISTRY_NAME, SECOND_FILE_NAME = "甲方更正化工有限公司", "乙方录入的单位"


def registered(agency: UUID, file_name: str | None = None) -> UnitRegisteredV1:
    """The unit announced with `agency` as its registering agency; with `file_name`, the
    announcement of a provisional link (the registry's values, the agency's own name)."""
    data = UnitRegisteredData(
        unit_id=UNIT, name=REGISTRY_NAME, uscc="91320506MA1XXXXX01",
        industry_code="C26", region_code="320506",
        registered_by_agency_id=agency, agency_file_name=file_name,
    )  # fmt: skip
    return make_event(UnitRegisteredV1, CTX, data)


def link(agency: UUID, status: LinkStatus) -> UnitLinkChangedV1:
    data = UnitLinkData(unit_id=UNIT, agency_id=agency, status=status, via="registered")
    return make_event(UnitLinkChangedV1, CTX, data)
