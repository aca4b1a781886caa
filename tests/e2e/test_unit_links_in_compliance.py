"""The compliance calendar follows the unit registry's consent flow (issue 14), through
GraphQL on the real system, on SQLite and PostgreSQL: a proposal waits in the unit client
admin's work and an invitation in the agency's, until answered or withdrawn; a newly
linked agency sees the unit's calendar at once, and an agency whose link ended no longer
does (R3: the parties)."""

from __future__ import annotations

from typing import Any

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, new_uscc, token
from tests.e2e.test_compliance_calendar import CALENDAR, REGISTER, add_months, today
from tests.engagement.test_unit_registry import (
    END_LINK,
    INVITE,
    REGISTER_AGENCY,
    REGISTER_OWN,
    decide,
    propose,
    uuid_of,
)

LINK_WORK = ["UNIT_LINK_PROPOSAL", "UNIT_LINK_INVITATION"]
MY_WORK = """
query($kinds: [WorkKind!]) {
  myWork(kinds: $kinds, first: 100) { edges { node { kind title dueDate unitId } } }
}"""


def _data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


def waiting(system: RunningSystem, tok: str) -> list[tuple[str, str]]:
    """The link requests waiting for this caller: (kind, unit id)."""
    edges = _data(system.api.gql(MY_WORK, {"kinds": LINK_WORK}, tok), "myWork")["edges"]
    return [(edge["node"]["kind"], edge["node"]["unitId"]) for edge in edges]


def test_R3_link_requests_wait_in_the_recipients_work_until_answered(system: RunningSystem):
    first_pm = token(f"agency:{new_id()}", "agency_admin")
    code = new_uscc("320500")
    unit = system.api.create_unit(first_pm, uscc=code)["unit"]
    unit_admin = token(f"unit:{uuid_of(unit['id'])}", "client_admin")
    unit_viewer = token(f"unit:{uuid_of(unit['id'])}", "client_viewer")
    proposer = token(f"agency:{new_id()}", "project_manager")

    # An agency's proposal waits for the unit's client admin, not for the proposer, and
    # not for a viewer (who may not answer it).
    proposal = propose(system, proposer, code)
    assert eventually(lambda: waiting(system, unit_admin)) == [("UNIT_LINK_PROPOSAL", unit["id"])]
    assert waiting(system, proposer) == []
    assert waiting(system, unit_viewer) == []
    assert waiting(system, token(f"unit:{new_id()}", "client_admin")) == []
    [row] = _data(system.api.gql(MY_WORK, {"kinds": LINK_WORK}, unit_admin), "myWork")["edges"]
    assert row["node"]["dueDate"] is not None  # when it expires unanswered
    # Declined: no longer waiting.
    assert decide(system, unit_admin, "decline", proposal["id"], "暂不需要")["__typename"] == (
        "UnitLinkRequestSuccess"
    )
    assert eventually(lambda: waiting(system, unit_admin) == [])

    # A proposal for a USCC nobody has yet waits for the unit that registers with it.
    later = new_uscc("320500")
    early = propose(system, proposer, later)
    own_id = str(new_id())
    own_admin = token(f"unit:{own_id}", "client_admin")
    own = {"name": "苏州某新材料有限公司", "uscc": later, "industryCode": "C26", "address": "苏州"}
    registered = _data(system.api.gql(REGISTER_OWN, {"input": own}, own_admin), "registerOwnUnit")
    assert registered["__typename"] == "RegisterOwnUnitSuccess", registered
    assert eventually(lambda: waiting(system, own_admin)) == [
        ("UNIT_LINK_PROPOSAL", registered["unit"]["id"])
    ]
    # Withdrawn by the proposer: gone from the unit's work.
    assert decide(system, proposer, "withdraw", early["id"])["__typename"] == (
        "UnitLinkRequestSuccess"
    )
    assert eventually(lambda: waiting(system, own_admin) == [])

    # The unit's invitation waits for the agency's project manager, not for the unit.
    invited = str(new_id())
    invited_pm = token(f"agency:{invited}", "project_manager")
    agency_code = new_uscc("320500")
    system.api.gql(
        REGISTER_AGENCY,
        {"input": {"name": "苏州某环保管家有限公司", "uscc": agency_code}},
        token(f"agency:{invited}", "agency_admin"),
    )
    invitation = _data(
        system.api.gql(INVITE, {"input": {"agencyUscc": agency_code}}, own_admin), "inviteAgency"
    )["request"]
    assert eventually(lambda: waiting(system, invited_pm)) == [
        ("UNIT_LINK_INVITATION", registered["unit"]["id"])
    ]
    assert waiting(system, own_admin) == []
    assert waiting(system, token(f"agency:{invited}", "engineer")) == []
    assert decide(system, invited_pm, "accept", invitation["id"])["__typename"] == (
        "UnitLinkRequestSuccess"
    )
    assert eventually(lambda: waiting(system, invited_pm) == [])


def _dates(system: RunningSystem, tok: str, unit: str) -> set[str]:
    page = _data(system.api.gql(CALENDAR, {"unit": unit, "first": 100}, tok), "complianceCalendar")
    return {edge["node"]["id"] for edge in page["edges"]}


def test_R3_a_linked_agency_sees_the_units_calendar_at_once_an_ended_link_hides_it(
    system: RunningSystem,
):
    first = str(new_id())
    first_pm = token(f"agency:{first}", "agency_admin")
    code = new_uscc("320500")
    unit = system.api.create_unit(first_pm, uscc=code)["unit"]
    unit_admin = token(f"unit:{uuid_of(unit['id'])}", "client_admin")
    permit = {
        "unitId": unit["id"],
        "number": f"91320500MA2{new_id().hex[-6:]}001P",
        "authority": "苏州市生态环境局",
        "category": "KEY",
        "validFrom": "2025-01-01",
        "validTo": add_months(today(), 15).replace(day=1).isoformat(),
        "outlets": ["DW001"],
    }

    def registered() -> bool:
        result = _data(system.api.gql(REGISTER, {"input": permit}, first_pm), "registerPermit")
        return bool(result["__typename"] == "PermitSuccess")

    eventually(registered)
    dates = eventually(lambda: _dates(system, first_pm, unit["id"]))

    # A second agency, before its link: nothing; on acceptance: the unit's calendar.
    second_pm = token(f"agency:{new_id()}", "agency_admin")
    assert _dates(system, second_pm, unit["id"]) == set()
    proposal = propose(system, second_pm, code)
    decide(system, unit_admin, "accept", proposal["id"])
    assert eventually(lambda: _dates(system, second_pm, unit["id"]) == dates)

    # The unit ends the first agency's link: the unit's dates are no longer its to see.
    ended = _data(
        system.api.gql(END_LINK, {"input": {"agencyId": first}}, unit_admin), "endUnitLink"
    )
    assert ended["__typename"] == "EndUnitLinkSuccess", ended
    assert eventually(lambda: _dates(system, first_pm, unit["id"]) == set())
    assert _dates(system, second_pm, unit["id"]) == dates
    assert _dates(system, unit_admin, unit["id"]) == dates
