"""createUnit tells nothing about a registered USCC (issue 14, gap 1), through GraphQL on
the real system, on SQLite and PostgreSQL. An agency entering a USCC the registry already
has gets a unit at once, as for a new USCC: a provisional link to the one registry unit
and its own file of it (what it typed, its own versions and date). The registry's file
reaches the agency only when the unit's client admin accepts the proposal filed at the
same moment (R3: the parties; R4.2.1: the agreement between agency and unit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, new_uscc, token
from tests.engagement.test_unit_registry import _data, _events, decide, uuid_of
from tests.engagement.workflow_client import Engagement, prepare

UNIT_FIELDS = """id name uscc industryCode address regionCode createdAt version
  versions { version change content reason }
  profile { legalRepresentative industryType scale businessTermEnd outlets { code name } }
  contacts { name phone }"""
CREATE_UNIT = f"""
mutation($input: CreateUnitInput!) {{
  createUnit(input: $input) {{
    __typename
    ... on CreateUnitSuccess {{ unit {{ {UNIT_FIELDS} }} }}
    ... on Error {{ code }}
  }}
}}"""
UNIT = f"query($id: ID!) {{ unit(id: $id) {{ {UNIT_FIELDS} }} }}"
UNITS = "query($s: String) { units(search: $s) { totalCount edges { node { id name } } } }"
ENGAGEMENTS = "query($s: String) { engagements(search: $s) { edges { node { id } } } }"
ENGAGEMENT = "query($id: ID!) { engagement(id: $id) { id agencyId unit { id name } } }"
LINKS = "{ unitLinks { agencyId status via unit { id name } } }"
REQUESTS = """
query($status: LinkRequestStatus) {
  unitLinkRequests(status: $status) { id direction status uscc agencyId note unit { id } }
}"""
PROFILE = """
mutation($id: ID!, $who: String) {
  updateUnitProfile(input: {unitId: $id, legalRepresentative: $who, scale: "small"}) {
    __typename ... on UpdateUnitProfileSuccess { unit { id name version } }
  }
}"""
CORRECT = """
mutation($input: CorrectUnitInput!) {
  correctUnit(input: $input) {
    __typename ... on CorrectUnitSuccess { unit { id name version } } ... on Error { code }
  }
}"""
# What the caller typed, and what follows from it (the region is the USCC's 3rd–8th
# characters): compared separately from the rest of the answer.
TYPED = ("id", "name", "uscc", "industryCode", "address", "regionCode", "createdAt")


def enter(system: RunningSystem, tok: str, uscc: str, name: str, **more: str) -> dict[str, Any]:
    typed = {"name": name, "uscc": uscc, "industryCode": "C26", "address": "乙方录入地址"}
    body = system.api.gql(CREATE_UNIT, {"input": {**typed, **more}}, tok)
    answer: dict[str, Any] = _data(body, "createUnit")
    return answer


def unit(system: RunningSystem, tok: str, id_: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = _data(system.api.gql(UNIT, {"id": id_}, tok), "unit")
    return found


def names(system: RunningSystem, tok: str, search: str) -> list[tuple[str, str]]:
    found = _data(system.api.gql(UNITS, {"s": search}, tok), "units")
    return [(e["node"]["id"], e["node"]["name"]) for e in found["edges"]]


def engagement_ids(system: RunningSystem, tok: str, search: str) -> list[str]:
    found = _data(system.api.gql(ENGAGEMENTS, {"s": search}, tok), "engagements")
    return [e["node"]["id"] for e in found["edges"]]


def registered_by_first(system: RunningSystem) -> tuple[str, dict[str, Any], str]:
    """A unit the first agency entered, filled in and corrected: the registry's file."""
    first = token(f"agency:{new_id()}", "agency_admin")
    code = new_uscc("320506")
    made = enter(system, first, code, "甲方化工有限公司")["unit"]
    assert _data(
        system.api.gql(PROFILE, {"id": made["id"], "who": "张三"}, first), "updateUnitProfile"
    )
    fix = {
        "unitId": made["id"], "reason": "营业执照变更", "name": "甲方更正化工有限公司",
        "address": "苏州市吴中区甲路1号", "industryCode": "C2614", "legalRepresentative": "张三",
    }  # fmt: skip
    corrected = _data(system.api.gql(CORRECT, {"input": fix}, first), "correctUnit")
    assert corrected["unit"]["version"] == 2, corrected
    registry = unit(system, first, made["id"])
    assert registry is not None
    return code, registry, first


async def test_R3_createUnit_answers_alike_for_a_new_and_a_registered_uscc(
    system: RunningSystem,
):
    code, registry, _first = registered_by_first(system)
    second = str(new_id())
    second_pm = token(f"agency:{second}", "agency_admin")
    fresh_code = new_uscc("320506")

    fresh = enter(system, second_pm, fresh_code, "乙方新单位")
    known = enter(system, second_pm, code, "乙方录入的单位")

    # The same kind of answer, with the same fields.
    assert fresh["__typename"] == known["__typename"] == "CreateUnitSuccess"
    a, b = fresh["unit"], known["unit"]
    assert set(a) == set(b)
    # Field by field, apart from what was typed: alike, and nothing of the registry's file
    # (its correction, its legal representative) shows.
    rest = {k: v for k, v in a.items() if k not in TYPED}
    assert rest == {k: v for k, v in b.items() if k not in TYPED}
    assert rest == {
        "version": 1,
        "versions": [],
        "profile": {
            "legalRepresentative": None,
            "industryType": None,
            "scale": None,
            "businessTermEnd": None,
            "outlets": [],
        },
        "contacts": [],
    }
    # What was typed is what the agency is shown; the date is its own entry's.
    for answer, (uscc, name) in ((a, (fresh_code, "乙方新单位")), (b, (code, "乙方录入的单位"))):
        assert (answer["name"], answer["uscc"], answer["industryCode"], answer["address"]) == (
            name,
            uscc,
            "C26",
            "乙方录入地址",
        )
        assert answer["regionCode"] == uscc[2:8] == "320506"
    assert datetime.fromisoformat(b["createdAt"]) > datetime.fromisoformat(registry["createdAt"])
    # The unit exists once: the agency's unit is the registry's, under the same id.
    assert b["id"] == registry["id"]

    # Read back at once: the same as the answers.
    assert unit(system, second_pm, a["id"]) == a
    assert unit(system, second_pm, b["id"]) == b
    # Its links say the same of both; no request shows in its list.
    links = _data(system.api.gql(LINKS, None, second_pm), "unitLinks")
    assert sorted((li["unit"]["name"], li["status"], li["via"]) for li in links) == [
        ("乙方录入的单位", "ACTIVE", "registered"),
        ("乙方新单位", "ACTIVE", "registered"),
    ]
    assert _data(system.api.gql(REQUESTS, None, second_pm), "unitLinkRequests") == []
    # Entering either again answers the unit as the agency has it.
    assert enter(system, second_pm, code, "又一次")["unit"] == b
    assert enter(system, second_pm, fresh_code, "又一次")["unit"] == a
    # A proposal of its own for the USCC is a request like any other (not the silent one).
    body = system.api.gql(
        "mutation($i: ProposeEngagementInput!) { proposeEngagement(input: $i) {"
        " ... on UnitLinkRequestSuccess { request { status note unit { id } } } } }",
        {"i": {"uscc": code, "note": "正式提议"}},
        second_pm,
    )
    assert _data(body, "proposeEngagement")["request"] == {
        "status": "PENDING",
        "note": "正式提议",
        "unit": None,
    }


async def test_R4_2_1_a_provisional_agency_works_on_its_own_file_and_the_first_agencys_data_never_reaches_it(  # noqa: E501
    system: RunningSystem,
):
    code, registry, first = registered_by_first(system)
    second = str(new_id())
    second_pm = token(f"agency:{second}", "agency_admin")
    mine = enter(system, second_pm, code, "乙方录入的单位")["unit"]
    unit_id = mine["id"]

    # It opens an engagement at once, on the real unit, and sees the unit as it typed it.
    made = system.api.create_engagement(second_pm, unit_id)
    assert made["__typename"] == "CreateEngagementSuccess", made
    eid = made["engagement"]["id"]
    seen = _data(system.api.gql(ENGAGEMENT, {"id": eid}, second_pm), "engagement")
    assert seen["unit"] == {"id": registry["id"], "name": "乙方录入的单位"}

    # It fills in and corrects its file: its own versions; the registry's file is untouched.
    filled = _data(
        system.api.gql(PROFILE, {"id": unit_id, "who": "李四"}, second_pm), "updateUnitProfile"
    )
    assert filled["__typename"] == "UpdateUnitProfileSuccess"
    fix = {
        "unitId": unit_id, "reason": "乙方核实", "name": "乙方更正单位",
        "address": "乙方新地址", "industryCode": "C26", "legalRepresentative": "李四",
    }  # fmt: skip
    corrected = _data(system.api.gql(CORRECT, {"input": fix}, second_pm), "correctUnit")
    assert corrected["unit"] == {"id": unit_id, "name": "乙方更正单位", "version": 2}
    own = unit(system, second_pm, unit_id)
    assert own is not None
    assert (own["name"], own["address"], own["profile"]["legalRepresentative"]) == (
        "乙方更正单位",
        "乙方新地址",
        "李四",
    )
    assert [(v["version"], v["change"], v["content"]["name"]) for v in own["versions"]] == [
        (1, "CREATED", "乙方录入的单位"),
        (2, "CORRECTED", "乙方更正单位"),
    ]
    assert unit(system, first, unit_id) == registry
    unit_admin = token(f"unit:{uuid_of(unit_id)}", "client_admin")
    assert unit(system, unit_admin, unit_id) == registry

    # Search finds what it typed, never the registry's name; the first agency's likewise.
    assert names(system, second_pm, "乙方更正") == [(unit_id, "乙方更正单位")]
    assert names(system, second_pm, "甲方") == []
    assert names(system, second_pm, code) == [(unit_id, "乙方更正单位")]
    assert engagement_ids(system, second_pm, "乙方更正") == [eid]
    assert engagement_ids(system, second_pm, "甲方") == []
    assert names(system, first, "乙方") == []

    # The unit's own people see the engagement: it is for their unit.
    theirs = _data(system.api.gql(ENGAGEMENT, {"id": eid}, unit_admin), "engagement")
    assert (theirs["agencyId"], theirs["unit"]["name"]) == (second, "甲方更正化工有限公司")
    # The unit sees the link as provisional (the agency itself sees it active).
    links = _data(system.api.gql(LINKS, None, unit_admin), "unitLinks")
    assert sorted((li["agencyId"] == second, li["status"]) for li in links) == [
        (False, "ACTIVE"),
        (True, "PROVISIONAL"),
    ]


async def test_R3_the_unit_accepts_and_the_provisional_agency_reads_the_registry_file(
    system: RunningSystem,
):
    code, registry, _first = registered_by_first(system)
    second = str(new_id())
    second_pm = token(f"agency:{second}", "agency_admin")
    mine = enter(system, second_pm, code, "乙方录入的单位")["unit"]
    unit_admin = token(f"unit:{uuid_of(mine['id'])}", "client_admin")

    # The unit's client admin finds the proposal filed with createUnit, and accepts it.
    [waiting] = _data(
        system.api.gql(REQUESTS, {"status": "PENDING"}, unit_admin), "unitLinkRequests"
    )
    assert {k: waiting[k] for k in ("direction", "status", "uscc", "agencyId", "note")} == {
        "direction": "PROPOSAL",
        "status": "PENDING",
        "uscc": code,
        "agencyId": second,
        "note": None,
    }
    accepted = decide(system, unit_admin, "accept", waiting["id"])
    assert accepted["request"]["status"] == "ACCEPTED"

    # The agency now reads the registered file (name, profile, versions), linked as any.
    assert unit(system, second_pm, mine["id"]) == registry
    assert names(system, second_pm, "甲方更正") == [(registry["id"], "甲方更正化工有限公司")]
    assert names(system, second_pm, "乙方") == []
    links = _data(system.api.gql(LINKS, None, second_pm), "unitLinks")
    assert [(li["status"], li["via"]) for li in links] == [("ACTIVE", "proposal")]
    assert _data(system.api.gql(REQUESTS, None, second_pm), "unitLinkRequests") == []
    assert await _events(system, waiting["id"]) == [
        "unit_link_requested.v1",
        "unit_link_request_decided.v1",
    ]
    changes = await system.rows(
        "engagement",
        "SELECT payload FROM outbox WHERE subject = :s AND payload LIKE :a ORDER BY seq",
        s="ecohost.events.engagement.unit_link_changed.v1",
        a=f"%{second}%",
    )
    assert [('"provisional"' in p[0], '"active"' in p[0]) for p in changes] == [
        (True, False),  # createUnit: the provisional link
        (False, True),  # the unit's consent
    ]


async def test_R3_a_declined_request_leaves_the_agency_on_its_own_file_untold(
    system: RunningSystem,
):
    code, registry, _first = registered_by_first(system)
    second_pm = token(f"agency:{new_id()}", "agency_admin")
    mine = enter(system, second_pm, code, "乙方录入的单位")["unit"]
    unit_admin = token(f"unit:{uuid_of(mine['id'])}", "client_admin")
    [waiting] = _data(system.api.gql(REQUESTS, None, unit_admin), "unitLinkRequests")
    declined = decide(system, unit_admin, "decline", waiting["id"], "不需要")
    assert declined["request"]["status"] == "DECLINED"

    # Nothing changes for the agency: its file, its answer, its lists.
    assert unit(system, second_pm, mine["id"]) == mine
    assert enter(system, second_pm, code, "再次录入")["unit"] == mine
    assert _data(system.api.gql(REQUESTS, None, second_pm), "unitLinkRequests") == []
    links = _data(system.api.gql(LINKS, None, second_pm), "unitLinks")
    assert [(li["status"], li["via"]) for li in links] == [("ACTIVE", "registered")]
    made = system.api.create_engagement(second_pm, mine["id"])
    assert made["__typename"] == "CreateEngagementSuccess", made
    assert unit(system, unit_admin, mine["id"]) == registry


async def test_R3_regulators_count_a_unit_entered_by_two_agencies_once(system: RunningSystem):
    code, registry, _first = registered_by_first(system)
    for _ in range(2):
        enter(system, token(f"agency:{new_id()}", "agency_admin"), code, "别家录入")
    regulator = token(f"region:{code[2:8]}", "regulator")
    found = _data(system.api.gql(UNITS, {"s": code}, regulator), "units")
    assert found["totalCount"] == 1
    assert [e["node"]["name"] for e in found["edges"]] == ["甲方更正化工有限公司"]
    assert unit(system, regulator, registry["id"]) == registry


REGISTER_PERMIT = """
mutation($input: RegisterPermitInput!) {
  registerPermit(input: $input) { __typename ... on PermitSuccess { permit { number } } }
}"""


async def test_R3_the_calendar_takes_a_permit_for_a_registered_uscc_as_for_a_new_one(
    system: RunningSystem,
):
    code, _registry, _first = registered_by_first(system)
    second_pm = token(f"agency:{new_id()}", "agency_admin")
    fresh = enter(system, second_pm, new_uscc("320506"), "乙方新单位")["unit"]
    known = enter(system, second_pm, code, "乙方录入的单位")["unit"]

    def registered(unit_id: str) -> dict[str, Any] | None:
        permit = {
            "unitId": unit_id, "number": f"91320506MA1{new_id().hex[-6:]}001P",
            "authority": "苏州市生态环境局", "category": "SIMPLIFIED",
            "validFrom": "2026-01-01", "validTo": "2030-12-31", "outlets": ["DW001"],
        }  # fmt: skip
        answer = _data(
            system.api.gql(REGISTER_PERMIT, {"input": permit}, second_pm), "registerPermit"
        )
        return answer if answer["__typename"] == "PermitSuccess" else None

    # The calendar learns from the engagement service's events that the agency serves
    # both units: the same answer for each, without an engagement first.
    assert eventually(lambda: registered(fresh["id"]))["__typename"] == "PermitSuccess"
    assert eventually(lambda: registered(known["id"]))["__typename"] == "PermitSuccess"


SURVEY = """
mutation($input: IssueSurveyLinkInput!) {
  issueSurveyLink(input: $input) { __typename ... on SurveyLinkIssued { token } }
}"""
SURVEY_PAGE = "query($t: String!) { surveyByToken(token: $t) { unitName } }"


async def test_R4_2_1_a_provisional_engagement_runs_its_workflow_with_the_units_own_people(
    system: RunningSystem,
):
    code, _registry, _first = registered_by_first(system)
    second = str(new_id())
    mine = enter(system, token(f"agency:{second}", "agency_admin"), code, "乙方录入的单位")
    made = system.api.create_engagement(
        token(f"agency:{second}", "agency_admin"), mine["unit"]["id"]
    )
    e = Engagement(system.api, second, made["engagement"]["id"], uuid_of(mine["unit"]["id"]))

    # Preparation to a plan the unit's own client admin confirms, and the contract signed.
    prepare(e)
    assert e.ok("signContract", signedOn="2027-01-10") == "IMPLEMENTATION"
    # The survey page the agency can open itself names the unit as the agency has it.
    issued = _data(
        system.api.gql(SURVEY, {"input": {"engagementId": e.id}}, e.engineer), "issueSurveyLink"
    )
    page = _data(system.api.gql(SURVEY_PAGE, {"t": issued["token"]}, None), "surveyByToken")
    assert page == {"unitName": "乙方录入的单位"}
