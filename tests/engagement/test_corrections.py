"""Corrections (更正) and voids (作废) through GraphQL on the running system (SQLite and
PostgreSQL): each a new version with who, when and why; the old versions readable; the
trace records every change; callers who may not record a kind cannot correct it."""

from __future__ import annotations

from typing import Any

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, token
from tests.engagement.corrections_client import change, changed, record_of, state
from tests.engagement.workflow_client import TEAM, Engagement, new_engagement, prepare

# What each kind is recorded with, then corrected to: (record mutation, who, fields, new).
KINDS: dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]] = {
    "site_survey": (
        "correctSiteSurvey", "engineer",
        {"surveyedOn": "2027-01-05", "participants": ["李工", "厂长"],
         "findings": "雨污管线未分流"},
        {"findings": "雨污管线未分流，危废间无标识"},
    ),
    "expert_consultation": (
        "correctConsultation", "manager",
        {"heldOn": "2027-01-06", "experts": ["张教授"], "opinions": "可行", "conclusion": "通过"},
        {"conclusion": "修改后通过"},
    ),
    "inspection": (
        "correctInspection", "engineer",
        {"performedOn": "2027-03-01", "problemsFound": 2, "rectificationPlans": 0},
        {"rectificationPlans": 2},
    ),
    "training": (
        "correctTraining", "engineer",
        {"topic": "危废管理", "heldOn": "2027-05-01", "attendees": 30, "hasRecords": False},
        {"hasRecords": True},
    ),
    "emergency": (
        "correctEmergency", "engineer",
        {"reportedAt": "2027-04-01T08:00:00Z", "respondedAt": "2027-04-01T08:40:00Z",
         "closedAt": "2027-04-01T12:00:00Z", "contractedResponseMinutes": 60},
        {"respondedAt": "2027-04-01T08:30:00Z"},
    ),
    "complaint": (
        "correctComplaint", "manager", {"receivedOn": "2027-05-02", "verified": True},
        {"verified": False},
    ),
    "penalty": (
        "correctPenalty", "manager",
        {"decidedOn": "2027-06-01", "authority": "市生态环境局", "amount": "20000.00"},
        {"amount": "2000.00"},
    ),
    "satisfaction_survey": (
        "correctSatisfactionSurvey", "engineer",
        {"method": "QUESTIONNAIRE", "conductedOn": "2027-06-30", "score": "72.5"},
        {"score": "92.5"},
    ),
    "work_log": (
        "correctWorkLog", "engineer",
        {"person": "李工", "workedOn": "2027-03-02", "location": "污水站", "mode": "roving",
         "activity": "巡检", "hours": "3"},
        {"hours": "4.5"},
    ),
    "technical_seminar": (
        "correctSeminar", "manager",
        {"heldOn": "2027-05-10", "experts": ["陈高工"], "departments": ["区生态环境局"],
         "problems": "VOCs 超标", "conclusion": "加装活性炭"},
        {"conclusion": "加装 RTO"},
    ),
}  # fmt: skip
RECORDING = {
    "site_survey": "recordSiteSurvey",
    "expert_consultation": "recordConsultation",
    "inspection": "recordInspection",
    "training": "recordTraining",
    "emergency": "recordEmergency",
    "complaint": "recordComplaint",
    "penalty": "recordPenalty",
    "satisfaction_survey": "recordSatisfactionSurvey",
    "work_log": "logWork",
    "technical_seminar": "recordSeminar",
}
PREPARATION_KINDS = ("site_survey", "expert_consultation")


def who(e: Engagement, role: str) -> str:
    return e.engineer if role == "engineer" else e.manager


def recorded_everything(system: RunningSystem) -> Engagement:
    """An engagement in implementation with one record of every kind (the site survey
    from `prepare`)."""
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    _m, role, fields, _new = KINDS["expert_consultation"]
    e.ok(RECORDING["expert_consultation"], who(e, role), **fields)
    e.ok("signContract", signedOn="2027-01-10")
    for kind, (_m, role, fields, _new) in KINDS.items():
        if kind not in PREPARATION_KINDS:
            e.ok(RECORDING[kind], who(e, role), **fields)
    return e


def test_R4_2_3_every_record_kind_is_corrected_as_a_new_version_with_its_history(
    system: RunningSystem,
):
    e = recorded_everything(system)
    originals = {r["kind"]: r for r in state(e)["records"]}
    assert set(originals) == set(KINDS)

    for kind, (mutation, role, fields, new) in KINDS.items():
        changed(e, mutation, who(e, role), recordId=originals[kind]["id"],
                reason=f"{kind} 录入有误", **(fields | new))  # fmt: skip

    now = {r["kind"]: r for r in state(e)["records"]}
    for kind, (_mutation, role, _fields, new) in KINDS.items():
        record, before = now[kind], originals[kind]
        assert record["id"] == before["id"]  # the same record, a new version
        assert (record["version"], record["voided"]) == (2, False)
        for name, value in new.items():
            assert record["details"][snake(name)] == value
        first, second = record["versions"]
        assert (first["version"], first["change"], first["reason"]) == (1, "CREATED", None)
        assert first["changedBy"] == ("eng" if role == "engineer" else "pm")
        assert first["content"]["details"] == before["details"]  # the old version readable
        assert (second["version"], second["change"]) == (2, "CORRECTED")
        assert (second["reason"], second["changedBy"]) == (f"{kind} 录入有误", who_name(role))
        assert second["content"]["details"] == record["details"]
    assert before["versions"] == []  # never-changed records have no history rows
    e.traced("engagement.record_corrected.v1", times=len(KINDS))


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def who_name(role: str) -> str:
    return "eng" if role == "engineer" else "pm"


def test_R4_2_3_a_voided_record_is_hidden_kept_and_no_longer_counted(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    item = prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    for day in ("2027-03-01", "2027-06-01"):
        e.ok("recordInspection", e.engineer, performedOn=day, problemsFound=1,
             rectificationPlans=1, listItemId=item)  # fmt: skip
    assert state(e)["listItems"][0]["doneQuantity"] == 2
    [wrong] = [r for r in state(e)["records"] if r["occurredOn"] == "2027-06-01"]

    refused = change(e, "voidRecord", e.engineer, recordId=wrong["id"], kind="training",
                     reason="重复录入")  # fmt: skip
    assert (refused["__typename"], refused["field"]) == ("RecordNotFound", "recordId")
    blank = change(e, "voidRecord", e.engineer, recordId=wrong["id"], kind="inspection",
                   reason="  ")  # fmt: skip
    assert (blank["__typename"], blank["field"]) == ("ValidationError", "reason")
    changed(e, "voidRecord", e.engineer, recordId=wrong["id"], kind="inspection",
            reason="重复录入")  # fmt: skip

    current = state(e)
    assert [r["occurredOn"] for r in current["records"] if r["kind"] == "inspection"] == [
        "2027-03-01"
    ]
    assert current["listItems"][0]["doneQuantity"] == 1  # the void no longer counts
    [voided] = [r for r in state(e, include_voided=True)["records"] if r["id"] == wrong["id"]]
    assert (voided["voided"], voided["version"]) == (True, 2)
    assert [(v["change"], v["reason"]) for v in voided["versions"]] == [
        ("CREATED", None),
        ("VOIDED", "重复录入"),
    ]
    assert voided["details"] == wrong["details"]  # kept as it was
    # A voided record is final: neither corrected nor voided again.
    again = change(e, "voidRecord", e.engineer, recordId=wrong["id"], kind="inspection",
                   reason="再次")  # fmt: skip
    assert again["__typename"] == "WorkflowConflict"
    fixed = change(e, "correctInspection", e.engineer, recordId=wrong["id"], reason="x",
                   performedOn="2027-06-02", problemsFound=1, rectificationPlans=1)  # fmt: skip
    assert fixed["__typename"] == "WorkflowConflict"
    e.traced("engagement.record_voided.v1")


def test_R4_2_3_a_correction_is_checked_like_the_record_and_refused_whole(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    e.ok("recordInspection", e.engineer, performedOn="2027-03-01", problemsFound=2,
         rectificationPlans=1)  # fmt: skip
    e.ok("recordTraining", e.engineer, topic="培训", heldOn="2027-03-02", attendees=3,
         hasRecords=True)  # fmt: skip
    inspection, training = (record_of(e, k) for k in ("inspection", "training"))

    too_many = change(e, "correctInspection", e.engineer, recordId=inspection["id"], reason="r",
                      performedOn="2027-03-01", problemsFound=2, rectificationPlans=3)  # fmt: skip
    assert (too_many["__typename"], too_many["field"]) == ("ValidationError", "rectificationPlans")
    other_kind = change(e, "correctInspection", e.engineer, recordId=training["id"],
                        reason="r", performedOn="2027-03-01", problemsFound=0,
                        rectificationPlans=0)  # fmt: skip
    assert (other_kind["__typename"], other_kind["field"]) == ("ValidationError", "recordId")
    unknown = change(e, "correctInspection", e.engineer, recordId=str(new_id()), reason="r",
                     performedOn="2027-03-01", problemsFound=0, rectificationPlans=0)  # fmt: skip
    assert unknown["__typename"] == "RecordNotFound"
    assert record_of(e, "inspection") == inspection  # nothing changed
    assert record_of(e, "training") == training


def test_R4_2_3_only_those_who_may_record_a_kind_may_correct_or_void_it(system: RunningSystem):
    e = recorded_everything(system)
    before = without_trace(state(e, include_voided=True))
    complaint, inspection = (record_of(e, k) for k in ("complaint", "inspection"))
    fields = KINDS["complaint"][2]
    stranger = token(f"agency:{new_id()}", "project_manager", user="pm2")
    viewer = token(f"unit:{e.unit}", "client_viewer", user="viewer")
    cases = [
        (e.engineer, "correctComplaint", {"recordId": complaint["id"], **fields}, "NotAuthorized"),
        (e.engineer, "voidRecord", {"recordId": complaint["id"], "kind": "complaint"},
         "NotAuthorized"),
        (e.client, "correctInspection",
         {"recordId": inspection["id"], **KINDS["inspection"][2]}, "NotAuthorized"),
        (viewer, "voidRecord", {"recordId": inspection["id"], "kind": "inspection"},
         "NotAuthorized"),
        (None, "voidRecord", {"recordId": inspection["id"], "kind": "inspection"},
         "NotAuthorized"),
        (stranger, "voidRecord", {"recordId": inspection["id"], "kind": "inspection"},
         "EngagementNotFound"),
    ]  # fmt: skip
    for tok, mutation, fields_, expected in cases:
        refused = change(e, mutation, tok, reason="不应生效", **fields_)
        assert refused["__typename"] == expected, (mutation, refused)
    after = state(e, include_voided=True)
    assert without_trace(after) == before  # nothing changed
    changes = ("engagement.record_corrected.v1", "engagement.record_voided.v1")
    assert [t for t in after["trace"] if t["eventType"] in changes] == []


def without_trace(found: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if k != "trace"}


def test_R4_2_2_1_list_items_are_corrected_and_voided_only_before_the_contract(
    system: RunningSystem,
):
    e = new_engagement(system.api, str(new_id()))
    item = prepare(e)
    changed(e, "correctListItem", itemId=item, reason="频次按合同为每季度",
            scope="废水、废气季度监测", contractedQuantity=4, quantityUnit="inspection",
            dueDate="2027-12-15")  # fmt: skip
    e.ok("addListItem", catalogueCode="6.1.1", scope="误加的环评服务")
    extra = state(e)["listItems"][1]["id"]
    changed(e, "voidListItem", itemId=extra, reason="误加")

    items = state(e)["listItems"]
    assert [(i["id"], i["contractedQuantity"], i["dueDate"], i["version"]) for i in items] == [
        (item, 4, "2027-12-15", 2)
    ]
    assert [(v["change"], v["content"]["contracted_quantity"]) for v in items[0]["versions"]] == [
        ("CREATED", 2),
        ("CORRECTED", 4),
    ]
    [gone] = [i for i in state(e, include_voided=True)["listItems"] if i["id"] == extra]
    assert (gone["voided"], gone["versions"][-1]["reason"]) == (True, "误加")
    # A voided item is gone for every step.
    again = change(e, "correctListItem", itemId=extra, reason="r", scope="x")
    assert again["__typename"] == "ListItemNotFound"

    e.ok("signContract", signedOn="2027-01-10")
    late = change(e, "correctListItem", itemId=item, reason="r", scope="x")
    assert late["__typename"] == "WorkflowConflict"  # after the contract: a change request
    e.traced("engagement.record_voided.v1")


def test_R4_2_2_1_voiding_the_only_list_item_blocks_the_contract(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    item = prepare(e)
    changed(e, "voidListItem", itemId=item, reason="清单重新拟定")
    refused = e.step("signContract", signedOn="2027-01-10")
    assert refused["__typename"] == "TransitionNotAllowed"
    assert refused["missing"] == ["至少一项服务清单（R4.2.2.1）"]


def test_R4_2_2_2_team_members_are_corrected_and_voided_with_history(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    wang, li = (m["personId"] for m in TEAM)
    changed(e, "correctTeamMember", personId=wang, reason="证书名称有误", name="王工",
            role="项目经理", qualification="注册环境影响评价工程师")  # fmt: skip
    changed(e, "voidTeamMember", personId=li, reason="未参与本项目")

    team = state(e)["team"]
    assert [(m["name"], m["qualification"], m["version"]) for m in team] == [
        ("王工", "注册环境影响评价工程师", 2)
    ]
    assert [v["content"]["qualification"] for v in team[0]["versions"]] == [
        "注册环保工程师",
        "注册环境影响评价工程师",
    ]
    everyone = state(e, include_voided=True)["team"]
    assert [(m["name"], m["voided"]) for m in everyone] == [("李工", True), ("王工", False)]
    gone = change(e, "voidTeamMember", personId=li, reason="again")
    assert (gone["__typename"], gone["field"]) == ("RecordNotFound", "personId")
    # The contracted team of two now lacks one member.
    refused = e.step("signContract", signedOn="2027-01-10")
    assert refused["missing"] == ["按合同还需 1 名团队成员"]
    e.traced("engagement.record_corrected.v1")


CORRECT_UNIT = """
mutation($input: CorrectUnitInput!) { correctUnit(input: $input) {
  __typename
  ... on CorrectUnitSuccess { unit { name address industryCode version } }
  ... on Error { code message }
  ... on ValidationError { field }
} }"""
UNIT = """
query($id: ID!, $q: String!) {
  unit(id: $id) { name version versions { version change content reason changedBy }
                  profile { legalRepresentative } }
  units(search: $q) { edges { node { id } } }
}"""


def test_R4_2_2_3_a_units_profile_is_corrected_with_history_and_traced(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    unit_id = system.api.gql(
        "query($id: ID!) { engagement(id: $id) { unit { id } } }", {"id": e.id}, e.manager
    )["data"]["engagement"]["unit"]["id"]
    fields = {"unitId": unit_id, "name": "绿源新材料有限公司", "address": "深圳市南山区科技园",
              "industryCode": "C2651", "legalRepresentative": "赵六"}  # fmt: skip

    def correct(tok: str | None, **overrides: Any) -> dict[str, Any]:
        body = system.api.gql(CORRECT_UNIT, {"input": fields | overrides}, tok)
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"]["correctUnit"]
        return result

    stranger = token(f"agency:{new_id()}", "project_manager", user="pm2")
    assert correct(e.engineer, reason="r")["__typename"] == "NotAuthorized"
    assert correct(stranger, reason="r")["__typename"] == "UnitNotFound"
    bad = correct(e.manager, reason="r", industryCode="XX")
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "industryCode")
    corrected = correct(e.manager, reason="营业执照已变更名称")
    assert corrected["unit"] == {"name": "绿源新材料有限公司", "address": "深圳市南山区科技园",
                                 "industryCode": "C2651", "version": 2}  # fmt: skip

    found = system.api.gql(UNIT, {"id": unit_id, "q": "新材料"}, e.manager)["data"]
    assert (found["unit"]["name"], found["unit"]["version"]) == ("绿源新材料有限公司", 2)
    assert found["unit"]["profile"]["legalRepresentative"] == "赵六"
    first, second = found["unit"]["versions"]
    assert (first["change"], first["content"]["name"]) == ("CREATED", "绿源化工有限公司")
    assert (second["change"], second["reason"], second["changedBy"]) == (
        "CORRECTED", "营业执照已变更名称", "pm",
    )  # fmt: skip
    assert [n["node"]["id"] for n in found["units"]["edges"]] == [unit_id]  # the new name
    e.traced("engagement.record_corrected.v1")
