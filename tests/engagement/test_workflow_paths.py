"""Every path of figure 1 through the gateway over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from kit.ids import new_id
from tests.archive import archive_api, handover_api
from tests.e2e.harness import RunningSystem, eventually, token
from tests.engagement.workflow_client import TEAM, Engagement, new_engagement, prepare


def test_R4_2_straight_path_from_agreement_to_evaluation(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    assert e.state()["checklist"]["completeness"] == 0.0
    item = prepare(e)

    state = e.state()
    assert state["stage"] == "PREPARATION"
    assert [p["status"] for p in state["planVersions"]] == ["confirmed"]
    assert state["checklist"]["completeness"] == 4.0  # 1 of 25 documents received
    assert {m["code"] for m in state["checklist"]["missing"]} >= {"A.1.01", "A.3.16"}
    assert [r["kind"] for r in state["records"]] == ["site_survey"]

    assert e.ok("signContract", signedOn="2027-01-10") == "IMPLEMENTATION"
    for day in ("2027-03-01", "2027-06-01"):
        e.ok("recordInspection", e.engineer, performedOn=day, problemsFound=3,
             rectificationPlans=3, listItemId=item)  # fmt: skip
    assert e.state()["listItems"][0]["doneQuantity"] == 2
    e.ok("finishListItem", itemId=item)
    assert e.ok("completeImplementation") == "RESULTS"
    delivered = [d["id"] for d in handover_api.deliverables(e.api, e.manager, e.id)]
    handed = e.ok("handOver", handedOverOn="2027-12-20", deliverables=delivered,
                  waivers=handover_api.WAIVERS)  # fmt: skip
    assert handed == "EVALUATION"

    state = e.state()
    assert (state["contractSignedOn"], state["handedOverOn"]) == ("2027-01-10", "2027-12-20")
    assert state["deliverables"] == [archive_api.raw_id(i) for i in delivered]
    trace = e.traced("engagement.stage_changed.v1", times=3)
    kinds = [t["eventType"] for t in trace]
    assert kinds[0] == "engagement.created.v1"
    assert kinds.count("engagement.inspection_completed.v1") == 2
    assert [t["seq"] for t in trace] == list(range(1, len(trace) + 1))


def test_R4_2_2_5_contract_needs_a_confirmed_plan_and_says_what_is_missing(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    refused = e.step("signContract", signedOn="2027-01-10")
    assert refused["__typename"] == "TransitionNotAllowed"
    assert (refused["fromStage"], refused["toStage"]) == ("preparation", "implementation")
    assert len(refused["missing"]) == 3
    assert e.state()["stage"] == "PREPARATION"  # nothing changed


def test_R4_2_2_4_plan_objected_twice_then_confirmed_after_an_expert_meeting(
    system: RunningSystem,
):
    e = new_engagement(system.api, str(new_id()))
    e.ok("addListItem", catalogueCode="6.1.4.1", scope="应急预案修编")
    e.ok("formTeam", contractedSize=1, members=TEAM[:1])
    for version, reason in ((1, "监测频次不足"), (2, "应急演练安排不明确")):
        e.ok("draftPlan", content=f"实施方案 v{version}")
        e.ok("submitPlan")
        objection = e.step("decidePlan", e.client, confirm=False)
        assert (objection["__typename"], objection["field"]) == ("ValidationError", "reasons")
        e.ok("decidePlan", e.client, confirm=False, reasons=reason)
    e.ok("recordConsultation", heldOn="2027-02-01", experts=["张教授", "陈高工"],
         opinions="建议增加季度演练", conclusion="方案修改后可行")  # fmt: skip
    e.ok("draftPlan", content="实施方案 v3（采纳专家意见）")
    e.ok("submitPlan")
    e.ok("decidePlan", e.client, confirm=True)

    plans = e.state()["planVersions"]
    assert [(p["version"], p["status"]) for p in plans] == [
        (1, "objected"),
        (2, "objected"),
        (3, "confirmed"),
    ]
    assert plans[1]["objectionReasons"] == "应急演练安排不明确"
    assert e.ok("signContract", signedOn="2027-02-10") == "IMPLEMENTATION"
    # A confirmed plan is final: a new draft is a conflict, not a silent edit.
    assert e.step("draftPlan", content="v4")["__typename"] == "WorkflowConflict"


def test_R5_2_customised_item_added_mid_way_needs_the_clients_approval(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    item = prepare(e, quantity=1)
    e.ok("signContract", signedOn="2027-01-10")

    regular = e.step("addListItem", catalogueCode="6.1.1", scope="环评")
    assert regular["__typename"] == "WorkflowConflict"
    e.ok("addListItem", catalogueCode="6.2.3.1", scope="碳排放报告", contractedQuantity=1)
    custom = e.state()["listItems"][1]
    assert (custom["catalogueCode"], custom["status"], custom["customised"]) == (
        "6.2.3.1",
        "proposed",
        True,
    )
    # It waits in the client's work inbox, not in the agency's.
    [waiting] = eventually(lambda: _approvals(e, e.client))
    assert waiting == {
        "kind": "CUSTOMISED_ITEM_APPROVAL",
        "title": "定制化服务事项待审批：6.2.3.1 碳资产管理与碳排放报告",
    }
    assert _approvals(e, e.manager) == []
    denied = e.step("approveListItem", e.manager, itemId=custom["id"])
    assert (denied["__typename"], denied["reason"]) == ("NotAuthorized", "PERMISSION_DENIED")
    e.ok("approveListItem", e.client, itemId=custom["id"])
    assert e.state()["listItems"][1]["status"] == "open"
    eventually(lambda: _approvals(e, e.client) == [])

    e.ok("finishListItem", itemId=item)
    refused = e.step("completeImplementation")
    assert refused["__typename"] == "TransitionNotAllowed"
    # Each missing precondition in the caller's language (zh-CN by default).
    assert refused["missing"] == ["1 项服务清单既未完成也未免除（6.2.3.1）"]
    blank = e.step("finishListItem", itemId=custom["id"], waivedReason=" ")
    assert (blank["__typename"], blank["field"]) == ("ValidationError", "waivedReason")
    e.ok("finishListItem", itemId=custom["id"], waivedReason="企业决定明年开展")
    assert e.ok("completeImplementation") == "RESULTS"
    e.traced("engagement.list_item_added.v1", times=2)
    e.traced("engagement.list_item_proposed.v1", times=1)


MY_APPROVALS = """query($engagement: ID) {
  myWork(kinds: [CUSTOMISED_ITEM_APPROVAL], engagementId: $engagement) {
    edges { node { kind title } }
  }
}"""


def _approvals(e: Engagement, who: str) -> list[dict[str, str]]:
    body = e.api.gql(MY_APPROVALS, {"engagement": e.id}, who)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["myWork"]["edges"]]


def test_R6_1_4_2_an_emergency_handled_and_other_evidence(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    wrong = e.step("recordEmergency", e.engineer, reportedAt="2027-04-01T08:00:00Z",
                   respondedAt="2027-04-01T07:00:00Z", closedAt="2027-04-01T12:00:00Z",
                   contractedResponseMinutes=60)  # fmt: skip
    assert (wrong["__typename"], wrong["field"]) == ("ValidationError", "respondedAt")
    e.ok("recordEmergency", e.engineer, reportedAt="2027-04-01T08:00:00Z",
         respondedAt="2027-04-01T08:40:00Z", closedAt="2027-04-01T12:00:00Z",
         contractedResponseMinutes=60)  # fmt: skip
    e.ok("recordTraining", e.engineer, topic="危废管理", heldOn="2027-05-01", attendees=30,
         hasRecords=True)  # fmt: skip
    e.ok("recordComplaint", receivedOn="2027-05-02", verified=False)
    e.ok("recordPenalty", decidedOn="2027-06-01", authority="市生态环境局", amount="20000.00")
    e.ok("recordSatisfactionSurvey", e.engineer, method="QUESTIONNAIRE",
         conductedOn="2027-06-30", score="92.5")  # fmt: skip
    # The five methods of R4.2.3.1 are an enum: any other value never reaches a resolver.
    bad_method = e.api.gql(
        "mutation($input: SatisfactionSurveyInput!) { recordSatisfactionSurvey(input: $input) "
        "{ __typename } }",
        {"input": {"engagementId": e.id, "method": "telepathy", "conductedOn": "2027-06-30",
                   "score": "90"}},
        e.engineer,
    )  # fmt: skip
    assert [x["extensions"]["code"] for x in bad_method["errors"]] == ["VALIDATION_FAILED"]

    kinds = [r["kind"] for r in e.state()["records"]]
    assert kinds == [
        "site_survey",
        "emergency",
        "training",
        "complaint",
        "penalty",
        "satisfaction_survey",
    ]
    trace = e.traced("engagement.survey_recorded.v1")
    assert "engagement.emergency_closed.v1" in [t["eventType"] for t in trace]


def test_workflow_steps_are_authorized(system: RunningSystem):
    agency = str(new_id())
    e = new_engagement(system.api, agency)
    outsider = token(f"agency:{new_id()}", "agency_admin")
    viewer = token(f"unit:{new_id()}", "client_viewer")
    cases = [
        (None, "NotAuthorized"),
        (outsider, "EngagementNotFound"),  # another agency: reads as not found
        (e.engineer, "NotAuthorized"),  # field staff cannot change the list
        (e.client, "NotAuthorized"),  # nor can the client
        (viewer, "NotAuthorized"),
    ]
    for tok, expected in cases:
        result = e.step("addListItem", tok, catalogueCode="6.1.5", scope="x")
        assert result["__typename"] == expected, (tok, result)
    assert e.state()["listItems"] == []  # nothing written by any of them
    assert e.step("addListItem", catalogueCode="9.9", scope="x")["field"] == "catalogueCode"
    e.ok("addListItem", catalogueCode="6.1.5", scope="x")
    assert len(e.state()["listItems"]) == 1


def test_catalogue_is_published_data(system: RunningSystem):
    tok = token(f"agency:{new_id()}", "engineer")
    body = system.api.gql("{ catalogue { code kind nameZh nameEn version parentCode } }", None, tok)
    items = {i["code"]: i for i in body["data"]["catalogue"]}
    assert {f"6.1.{n}" for n in range(1, 8)} <= set(items)
    assert {f"6.2.{n}" for n in range(1, 9)} <= set(items)
    assert items["6.2.3"]["nameZh"] == "碳达峰碳中和服务"
    assert items["6.1.4.2"]["parentCode"] == "6.1.4"
    assert items["6.2.5"]["kind"] == "customised"
    assert {i["version"] for i in items.values()} == {1}
    anonymous = system.api.gql("{ catalogue { code } }")
    assert anonymous["data"]["catalogue"] == []


def test_R4_2_3_2_stage_report_objected_then_accepted(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    period = {"periodStart": "2027-01-01", "periodEnd": "2027-03-31"}
    e.ok("submitStageReport", problems="废气收集效率低", solutions="更换集气罩", **period)
    early = e.step("submitStageReport", reportNo=1, problems="x", solutions="y", **period)
    assert early["__typename"] == "WorkflowConflict"  # only an objected report is resubmitted
    no_feedback = e.step("reviewStageReport", e.client, reportNo=1, accept=False)
    assert (no_feedback["__typename"], no_feedback["field"]) == ("ValidationError", "feedback")
    e.ok("reviewStageReport", e.client, reportNo=1, accept=False, feedback="整改费用过高")
    e.ok("submitStageReport", reportNo=1, problems="废气收集效率低",
         solutions="分阶段改造集气系统", **period)  # fmt: skip
    e.ok("reviewStageReport", e.client, reportNo=1, accept=True)
    reports = e.state()["stageReports"]
    assert [(r["reportNo"], r["version"], r["status"]) for r in reports] == [
        (1, 1, "objected"),
        (1, 2, "accepted"),
    ]
    assert reports[0]["feedback"] == "整改费用过高"
    trace = e.traced("engagement.stage_report_accepted.v1")
    assert "engagement.stage_report_objected.v1" in [t["eventType"] for t in trace]


def test_R4_2_3_2_technical_seminar_conclusion_becomes_the_solution(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    period = {"periodStart": "2027-04-01", "periodEnd": "2027-06-30"}
    e.ok("submitStageReport", problems="污泥处置去向不明", solutions="委外处置", **period)
    e.ok("reviewStageReport", e.client, reportNo=1, accept=False, feedback="需主管部门意见")
    e.ok("recordSeminar", heldOn="2027-07-05", experts=["赵教授"],
         departments=["市生态环境局", "区住建局"], problems="污泥处置",
         conclusion="纳入园区集中处置", reportNo=1)  # fmt: skip
    e.ok("submitStageReport", reportNo=1, problems="污泥处置去向不明", **period)
    e.ok("reviewStageReport", e.client, reportNo=1, accept=True)
    final = e.state()["stageReports"][-1]
    assert (final["version"], final["status"], final["solutions"]) == (
        2,
        "accepted",
        "纳入园区集中处置",
    )
    assert "technical_seminar" in [r["kind"] for r in e.state()["records"]]
    e.traced("engagement.seminar_held.v1")


def test_R4_2_2_1_time_nodes_overdue_are_listed_filtered_and_traced(system: RunningSystem):
    agency = str(new_id())
    e = new_engagement(system.api, agency)
    calm = new_engagement(system.api, agency)
    e.ok("addListItem", catalogueCode="6.1.2.2", scope="年度执行报告", dueDate="2020-01-31")
    e.ok("addListItem", catalogueCode="6.1.5", scope="监测", dueDate="2099-03-31")
    calm.ok("addListItem", catalogueCode="6.1.5", scope="监测", dueDate="2099-06-30")
    tok = e.manager

    due = system.api.gql(
        "{ dueItems(overdueOnly: true) { engagementId overdue item { catalogueCode dueDate } } }",
        None,
        tok,
    )["data"]["dueItems"]
    assert [(d["engagementId"], d["item"]["catalogueCode"]) for d in due] == [(e.id, "6.1.2.2")]
    window = system.api.gql(
        '{ dueItems(dueFrom: "2099-01-01", dueTo: "2099-12-31") { engagementId overdue } }',
        None,
        tok,
    )["data"]["dueItems"]
    assert [(d["engagementId"], d["overdue"]) for d in window] == [(e.id, False), (calm.id, False)]
    assert [i["overdue"] for i in e.state()["listItems"]] == [True, False]

    def ids(filters: str) -> list[str]:
        body = system.api.gql(
            f"{{ engagements({filters}) {{ edges {{ node {{ id }} }} }} }}", None, tok
        )
        return [edge["node"]["id"] for edge in body["data"]["engagements"]["edges"]]

    assert ids("overdue: true") == [e.id]
    assert ids("overdue: false") == [calm.id]
    assert ids("stage: PREPARATION") == [e.id, calm.id]
    assert ids("stage: IMPLEMENTATION") == []
    assert ids("serviceMode: FIXED_RESIDENT") == [e.id, calm.id]
    assert ids("serviceMode: ROVING") == []
    assert ids(f'agencyId: "{new_id()}"') == []
    # The scheduler announces it once; the archive traces it.
    e.traced("engagement.milestone_overdue.v1")


def test_R4_2_3_1_inspection_problems_become_rectification_items_through_closure(
    system: RunningSystem,
):
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    e.ok("recordInspection", e.engineer, performedOn="2027-03-01", problemsFound=1,
         rectificationPlans=1)  # fmt: skip
    inspection = next(r for r in e.state()["records"] if r["kind"] == "inspection")
    e.ok("raiseRectification", e.engineer, problemKey="危废标识不规范", description="危废间无标识",
         plan="张贴标识", owner="厂区安环部", dueDate="2099-03-31",
         inspectionRecordId=inspection["id"])  # fmt: skip
    item = e.state()["rectifications"][0]
    assert (item["status"], item["recurring"], item["overdue"]) == ("open", False, False)

    e.ok("reportRectified", e.client, rectificationId=item["id"], note="已张贴")
    e.ok("verifyRectification", e.engineer, rectificationId=item["id"], passed=False,
         note="标识内容不全")  # fmt: skip
    assert e.state()["rectifications"][0]["status"] == "open"
    again = e.step("verifyRectification", e.engineer, rectificationId=item["id"], passed=True,
                   note="x")  # fmt: skip
    assert again["__typename"] == "WorkflowConflict"  # verify only once rectified
    e.ok("reportRectified", e.client, rectificationId=item["id"], note="已补全")
    e.ok("verifyRectification", e.engineer, rectificationId=item["id"], passed=True, note="合格")
    closed = e.state()["rectifications"][0]
    assert closed["status"] == "closed"
    assert closed["closedOn"] is not None
    assert [n.split(":")[0] for n in closed["notes"]] == [
        "rectified",
        "rejected",
        "rectified",
        "verified",
    ]

    # The same problem a 4th time within 12 months — more than 3 — makes it recurring.
    def raise_again() -> None:
        e.ok("raiseRectification", e.engineer, problemKey="危废标识不规范", description="再次发现",
             plan="整改", owner="安环部", dueDate="2020-01-01")  # fmt: skip

    raise_again()
    raise_again()
    assert not any(r["recurring"] for r in e.state()["rectifications"])  # 3 times: not yet
    raise_again()
    flags = [(r["recurring"], r["overdue"]) for r in e.state()["rectifications"]]
    assert flags == [(True, False), (True, True), (True, True), (True, True)]
    e.traced("engagement.rectification_updated.v1", times=4)


def test_R4_2_3_1_work_log(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    photo = archive_api.upload(e.api, e.manager, e.id, b"%PDF-1.4 photo", category="PROCESS_FILE")
    e.ok("logWork", e.engineer, person="李工", workedOn="2027-03-02", location="污水站",
         mode="fixed_resident", activity="巡检在线监测设备", hours="3.5",
         evidence=[photo["id"]])  # fmt: skip
    bad = e.step("logWork", e.engineer, person="李工", workedOn="2027-03-02", location="x",
                 mode="fixed_resident", activity="x", hours="25")  # fmt: skip
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "hours")
    log = [r for r in e.state()["records"] if r["kind"] == "work_log"]
    assert log[0]["details"]["hours"] == "3.5"
    assert log[0]["details"]["evidence"] == []  # the legacy free text; links are checked
    refused = e.step("logWork", e.engineer, person="李工", workedOn="2027-03-02",
                     location="x", mode="fixed_resident", activity="x", hours="1",
                     evidence=["photo-1"])  # fmt: skip
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "evidence.0")


def test_R4_2_2_4_experts_see_only_the_meetings_they_are_invited_to(system: RunningSystem):
    agency = str(new_id())
    e = new_engagement(system.api, agency)
    e.ok("recordConsultation", heldOn="2027-02-01", experts=["张教授"], opinions="可行",
         conclusion="通过", expertIds=["prof-zhang"])  # fmt: skip
    e.ok("recordConsultation", heldOn="2027-02-02", experts=["陈高工"], opinions="补充",
         conclusion="修改", expertIds=["eng-chen"])  # fmt: skip
    query = "{ myMeetings { engagementId kind heldOn details } }"
    zhang = token(f"agency:{agency}", "expert", user="prof-zhang")
    meetings = system.api.gql(query, None, zhang)["data"]["myMeetings"]
    assert [(m["engagementId"], m["kind"], m["heldOn"]) for m in meetings] == [
        (e.id, "expert_consultation", "2027-02-01")
    ]
    assert meetings[0]["details"]["conclusion"] == "通过"
    stranger = token(f"agency:{agency}", "expert", user="prof-wu")
    assert system.api.gql(query, None, stranger)["data"]["myMeetings"] == []
    assert system.api.gql(query, None, e.manager)["data"]["myMeetings"] == []  # not an expert
