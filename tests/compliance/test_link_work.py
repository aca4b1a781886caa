"""A unit link request waits for its recipient only (issue 14): an agency's proposal for
the unit, a unit's invitation for the agency; nobody else has it in their work."""

from __future__ import annotations

from contracts.compliance.enums import WorkKind
from contracts.core import Scope
from kit.ids import new_id
from services.compliance.calendar import domain

PROPOSAL, INVITATION = WorkKind.UNIT_LINK_PROPOSAL.value, WorkKind.UNIT_LINK_INVITATION.value


def test_R3_a_link_request_waits_for_its_recipient_only():
    assert domain.work_not_waiting_for(Scope(unit_id=new_id())) == [INVITATION]
    assert domain.work_not_waiting_for(Scope(agency_id=new_id())) == [PROPOSAL]
    for bystander in (Scope(region_prefix="32"), Scope(client_id=new_id()), Scope()):
        assert sorted(domain.work_not_waiting_for(bystander)) == sorted([PROPOSAL, INVITATION])
