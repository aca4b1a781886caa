"""The compliance calendar end to end through GraphQL on the running system (SQLite and
PostgreSQL): permits and their execution reports and renewal (6.1.2), emergency plans
and drills (6.1.4), self-monitoring with results and stoppages (6.1.5), facility
maintenance (6.1.6), the engagement's time nodes on the same calendar (R4.2.2.1), my
work, regulators' region view, and the iCalendar feed."""

from __future__ import annotations

import asyncio
import base64
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, token

AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")
PM = token(f"agency:{AGENCY}", "project_manager", user="pm")
ENGINEER = token(f"agency:{AGENCY}", "engineer", user="eng")
REGULATOR = token("region:4403", "regulator", user="reg")
OTHER_REGULATOR = token("region:11", "regulator", user="reg-bj")
OTHER_AGENCY = token(f"agency:{new_id()}", "agency_admin", user="other")

OCCURRENCE = """
id kind ruleCode title titleZh titleEn periodLabel dueDate state statementOnly leadDays
closedBy waivedReason resultValue resultLimit resultUnit exceeded evidenceItemId
"""
CALENDAR = f"""
query($unit: ID, $engagement: ID, $kinds: [OccurrenceKind!], $states: [OccurrenceState!],
      $first: Int, $after: String, $agency: Boolean! = false) {{
  complianceCalendar(unitId: $unit, engagementId: $engagement, kinds: $kinds, states: $states,
                     first: $first, after: $after, agency: $agency) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{ cursor node {{ {OCCURRENCE} }} }}
  }}
}}"""
REGISTER = """
mutation($input: RegisterPermitInput!) {
  registerPermit(input: $input) {
    __typename
    ... on PermitSuccess { permit { id number category validTo outlets
        reportSchedule { frequency deadlineMonths deadlineDay deadlineDays } } }
    ... on Error { code message }
  }
}"""
SCHEDULE = """
mutation($input: UpdateReportScheduleInput!) {
  updateReportSchedule(input: $input) {
    __typename
    ... on PermitSuccess { permit { reportSchedule { frequency deadlineDay } } }
    ... on Error { code message }
  }
}"""
PLAN = """
mutation($input: AddMonitoringPlanInput!) {
  addMonitoringPlan(input: $input) {
    __typename
    ... on MonitoringPlanSuccess { plan { id outlet pollutant frequency limitValue } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""
CLOSE_RESULT = f"""
    __typename
    ... on OccurrenceSuccess {{ occurrence {{ {OCCURRENCE} }} }}
    ... on OccurrenceClosed {{ state message }}
    ... on ValidationError {{ field message }}
    ... on Error {{ code message }}
"""
COMPLETE = f"""
mutation($input: CompleteOccurrenceInput!) {{
  completeOccurrence(input: $input) {{ {CLOSE_RESULT} }}
}}"""
WAIVE = f"""
mutation($input: WaiveOccurrenceInput!) {{ waiveOccurrence(input: $input) {{ {CLOSE_RESULT} }} }}"""
RESULT = f"""
mutation($input: RecordMonitoringResultInput!) {{
  recordMonitoringResult(input: $input) {{ {CLOSE_RESULT} }}
}}"""
STOPPAGE = """
mutation($input: RecordStoppageInput!) {
  recordStoppage(input: $input) {
    __typename
    ... on StoppageSuccess { stoppage { startsOn endsOn } }
    ... on Error { code message }
  }
}"""
MY_WORK = """
query($kinds: [WorkKind!], $engagement: ID) {
  myWork(kinds: $kinds, engagementId: $engagement, first: 100) {
    totalCount
    edges { node { kind title dueDate state occurrence { ruleCode } } }
  }
}"""
STEP = """
mutation($input: %s!) { %s(input: $input) {
  __typename
  ... on WorkflowStepSuccess { engagement { listItems { id catalogueCode dueDate } } }
  ... on Error { code message }
} }"""


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def gql(system: RunningSystem, query: str, variables: dict[str, Any], tok: str) -> dict[str, Any]:
    body = system.api.gql(query, variables, tok)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def calendar(system: RunningSystem, tok: str, **variables: Any) -> list[dict[str, Any]]:
    """Every page of the calendar, following the cursor."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = gql(system, CALENDAR, {**variables, "first": 100, "after": after}, tok)
        conn = page["complianceCalendar"]
        nodes += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        after = conn["pageInfo"]["endCursor"]


def raw_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


@pytest.fixture(scope="module")
def world(system: RunningSystem) -> dict[str, Any]:
    unit = system.api.create_unit(ADMIN, name="合规日历测试单位")["unit"]
    engagement = system.api.create_engagement(ADMIN, unit["id"])["engagement"]
    eventually(lambda: system.api.settled(ADMIN, engagement["id"]))
    valid_to = add_months(today(), 15).replace(day=1) - timedelta(days=1)
    permit_input = {
        "unitId": unit["id"],
        "number": f"91440300MA5{new_id().hex[:6]}001P",
        "authority": "深圳市生态环境局",
        "category": "KEY",
        "validFrom": "2025-01-01",
        "validTo": valid_to.isoformat(),
        "outlets": ["DA001", "DW001"],
    }

    def registered() -> dict[str, Any] | None:
        result = gql(system, REGISTER, {"input": permit_input}, PM)["registerPermit"]
        return result if result["__typename"] == "PermitSuccess" else None

    # The calendar learns the unit from the engagement service's events.
    permit = eventually(registered)["permit"]
    return {"unit": unit, "engagement": engagement, "permit": permit, "valid_to": valid_to}


def expected_report_due(label: str) -> date:
    """The rule set's deadlines, written out independently of the service's code."""
    if "-Q" in label:
        year, quarter = label.split("-Q")
        return add_months(date(int(year), 3 * int(quarter), 15), 1)
    if "-H" in label:
        year, half = label.split("-H")
        return date(int(year), 7, 31) if half == "1" else date(int(year) + 1, 1, 31)
    if len(label) == 7:
        return add_months(date(int(label[:4]), int(label[5:]), 15), 1)
    return date(int(label) + 1, 1, 31)


def test_R6_1_2_permit_schedules_execution_reports_and_renewal(
    system: RunningSystem, world: dict[str, Any]
):
    permit = world["permit"]
    assert permit["category"] == "KEY"
    assert [e["frequency"] for e in permit["reportSchedule"]] == ["ANNUAL", "QUARTERLY"]
    reports = calendar(system, ENGINEER, unit=world["unit"]["id"], kinds=["EXECUTION_REPORT"])
    # The horizon: to the end of the month 18 months ahead.
    horizon = add_months(today().replace(day=1), 19) - timedelta(days=1)
    assert reports, "a key-management permit has execution reports"
    for r in reports:
        assert r["dueDate"] == expected_report_due(r["periodLabel"]).isoformat(), r
        assert today().isoformat() <= r["dueDate"] <= horizon.isoformat()
        assert r["state"] in ("UPCOMING", "DUE_SOON")
        assert r["statementOnly"] is False
    assert {r["ruleCode"] for r in reports} == {
        "permit.execution_report.annual",
        "permit.execution_report.quarterly",
    }
    # Periods after the permit expires owe nothing.
    assert all(
        r["dueDate"] <= expected_report_due(f"{world['valid_to'].year}").isoformat()
        for r in reports
    )
    dues = [r["dueDate"] for r in reports]
    assert dues == sorted(dues)

    [renewal] = calendar(system, ENGINEER, unit=world["unit"]["id"], kinds=["PERMIT_RENEWAL"])
    assert renewal["dueDate"] == (world["valid_to"] - timedelta(days=60)).isoformat()
    assert renewal["leadDays"] == [180, 90, 30, 7]
    assert renewal["state"] == "UPCOMING"

    # Another agency and another region see none of it; the unit's region does.
    assert calendar(system, OTHER_AGENCY, unit=world["unit"]["id"]) == []
    assert calendar(system, OTHER_REGULATOR, unit=world["unit"]["id"]) == []
    assert len(calendar(system, REGULATOR, unit=world["unit"]["id"], kinds=["PERMIT_RENEWAL"])) == 1


def test_R6_1_2_changing_the_schedule_keeps_completed_reports(
    system: RunningSystem, world: dict[str, Any]
):
    unit = world["unit"]["id"]
    first_annual = calendar(system, ENGINEER, unit=unit, kinds=["EXECUTION_REPORT"])
    annual = next(r for r in first_annual if r["ruleCode"].endswith(".annual"))
    item = base64.b64encode(f"ArchiveItem:{new_id()}".encode()).decode()
    done = gql(
        system,
        COMPLETE,
        {
            "input": {
                "occurrenceId": annual["id"],
                "evidenceItemId": item,
                "note": "已在全国排污许可证管理信息平台提交",
            }
        },
        ENGINEER,
    )["completeOccurrence"]
    assert done["__typename"] == "OccurrenceSuccess", done
    assert done["occurrence"]["state"] == "DONE"
    assert done["occurrence"]["closedBy"] == "eng"
    assert done["occurrence"]["evidenceItemId"] == item

    changed = gql(
        system,
        SCHEDULE,
        {
            "input": {
                "permitId": world["permit"]["id"],
                "reportSchedule": [
                    {"frequency": "MONTHLY", "deadlineMonths": 1, "deadlineDay": 20}
                ],
            }
        },
        PM,
    )["updateReportSchedule"]
    assert changed["__typename"] == "PermitSuccess", changed
    assert changed["permit"]["reportSchedule"] == [{"frequency": "MONTHLY", "deadlineDay": 20}]
    after = calendar(system, ENGINEER, unit=unit, kinds=["EXECUTION_REPORT"])
    kept = [r for r in after if r["id"] == annual["id"]]
    assert kept == [done["occurrence"]]  # the completed report, exactly as it was
    monthly = [r for r in after if r["ruleCode"].endswith(".monthly")]
    assert monthly
    assert all(r["dueDate"].endswith("-20") for r in monthly)
    assert {r["ruleCode"] for r in after} == {
        "permit.execution_report.annual",  # only the completed one is left
        "permit.execution_report.monthly",
    }
    assert [r["state"] for r in after if r["ruleCode"].endswith(".annual")] == ["DONE"]

    # A closed occurrence stays closed: waiving it again is refused, nothing changes.
    again = gql(system, WAIVE, {"input": {"occurrenceId": annual["id"], "reason": "x"}}, ENGINEER)
    assert again["waiveOccurrence"]["__typename"] == "OccurrenceClosed"
    assert again["waiveOccurrence"]["state"] == "done"


async def _ledger_has(system: RunningSystem, event_type: str) -> int:
    ids = await system.rows(
        "compliance",
        "select event_id from outbox where subject = :s",
        s=f"ecohost.events.{event_type}",
    )
    if not ids:
        return 0
    found = 0
    for (event_id,) in ids:
        found += await system.count(
            "archive",
            "select count(*) from ledger_leaf where event_type = :t and event_id = :e",
            t=event_type,
            e=event_id,
        )
    return found


def test_R6_1_2_completing_and_waiving_are_traced(system: RunningSystem, world: dict[str, Any]):
    unit = world["unit"]["id"]
    renewal = calendar(system, ENGINEER, unit=unit, kinds=["PERMIT_RENEWAL"])[0]
    waived = gql(
        system,
        WAIVE,
        {"input": {"occurrenceId": renewal["id"], "reason": "企业计划到期后关停"}},
        ENGINEER,
    )["waiveOccurrence"]
    assert waived["__typename"] == "OccurrenceSuccess"
    assert waived["occurrence"]["state"] == "WAIVED"
    assert waived["occurrence"]["waivedReason"] == "企业计划到期后关停"
    eventually(lambda: asyncio.run(_ledger_has(system, "compliance.occurrence_waived.v1")) == 1)
    eventually(lambda: asyncio.run(_ledger_has(system, "compliance.occurrence_completed.v1")) >= 1)


def test_R6_1_5_monitoring_plan_results_and_exceedance(
    system: RunningSystem, world: dict[str, Any]
):
    unit = world["unit"]["id"]
    wrong_outlet = gql(
        system,
        PLAN,
        {
            "input": {
                "permitId": world["permit"]["id"],
                "outlet": "DA009",
                "pollutant": "二氧化硫",
                "frequency": "MONTHLY",
            }
        },
        PM,
    )["addMonitoringPlan"]
    assert wrong_outlet["__typename"] == "ValidationError"
    assert wrong_outlet["field"] == "outlet"
    plan = gql(
        system,
        PLAN,
        {
            "input": {
                "permitId": world["permit"]["id"],
                "outlet": "DA001",
                "pollutant": "二氧化硫",
                "frequency": "MONTHLY",
                "method": "HJ 57-2017",
                "sampler": "第三方检测机构",
                "limitValue": "50",
                "limitUnit": "mg/m3",
            }
        },
        PM,
    )["addMonitoringPlan"]
    assert plan["__typename"] == "MonitoringPlanSuccess", plan
    automatic = gql(
        system,
        PLAN,
        {
            "input": {
                "permitId": world["permit"]["id"],
                "outlet": "DW001",
                "pollutant": "COD",
                "frequency": "AUTOMATIC",
            }
        },
        PM,
    )["addMonitoringPlan"]
    assert automatic["__typename"] == "MonitoringPlanSuccess"
    monitoring = calendar(system, ENGINEER, unit=unit, kinds=["MONITORING"])
    # Monthly sampling of DA001 only: automatic monitoring schedules no sampling.
    assert monitoring
    assert all("DA001 二氧化硫" in m["titleZh"] for m in monitoring)
    # `title` is the caller's language: zh-CN when the request names none.
    assert all(m["title"] == m["titleZh"] != m["titleEn"] for m in monitoring)
    labels = [m["periodLabel"] for m in monitoring]
    assert len(labels) == len(set(labels))
    first = monitoring[0]

    not_without_result = gql(system, COMPLETE, {"input": {"occurrenceId": first["id"]}}, ENGINEER)
    assert not_without_result["completeOccurrence"]["__typename"] == "ValidationError"

    result = gql(
        system, RESULT, {"input": {"occurrenceId": first["id"], "value": "62.5"}}, ENGINEER
    )["recordMonitoringResult"]
    assert result["__typename"] == "OccurrenceSuccess", result
    occ = result["occurrence"]
    assert (occ["state"], occ["resultValue"], occ["resultLimit"], occ["resultUnit"]) == (
        "DONE",
        "62.5",
        "50",
        "mg/m3",
    )
    assert occ["exceeded"] is True


def test_R6_1_5_stoppage_suspends_monitoring_and_reports_need_only_the_statement(
    system: RunningSystem, world: dict[str, Any]
):
    unit = world["unit"]["id"]
    start = add_months(today(), 3).replace(day=1)
    end = add_months(start, 3) - timedelta(days=1)
    stopped = gql(
        system,
        STOPPAGE,
        {
            "input": {
                "unitId": unit,
                "startsOn": start.isoformat(),
                "endsOn": end.isoformat(),
                "reason": "设备检修停产",
            }
        },
        PM,
    )["recordStoppage"]
    assert stopped["__typename"] == "StoppageSuccess", stopped
    monitoring = calendar(system, ENGINEER, unit=unit, kinds=["MONITORING"])
    inside = [m for m in monitoring if start.isoformat() <= m["dueDate"] <= end.isoformat()]
    assert len(inside) == 3
    assert {m["state"] for m in inside} == {"SUSPENDED"}
    assert all(m["state"] != "SUSPENDED" for m in monitoring if m not in inside)
    reports = calendar(system, ENGINEER, unit=unit, kinds=["EXECUTION_REPORT"])
    statement = [r for r in reports if r["statementOnly"]]
    # Monthly reports of the three stopped months need only the stoppage statement.
    assert sorted(r["periodLabel"] for r in statement) == [
        f"{add_months(start, i):%Y-%m}" for i in range(3)
    ]
    # The calendar does not nag: a suspended occurrence is not in the open states.
    open_ = calendar(
        system,
        ENGINEER,
        unit=unit,
        kinds=["MONITORING"],
        states=["UPCOMING", "DUE_SOON", "OVERDUE"],
    )
    assert all(m["state"] != "SUSPENDED" for m in open_)
    assert len(open_) == len(monitoring) - len(inside) - 1  # one has its result


def test_R6_1_4_emergency_plan_revision_and_drills(system: RunningSystem, world: dict[str, Any]):
    unit = world["unit"]["id"]
    plans = calendar(system, ENGINEER, unit=unit, kinds=["EMERGENCY_PLAN"])
    # Every 3 years from the first permit's start (2025-01-01): due 2027-12-31.
    assert [(p["periodLabel"], p["dueDate"]) for p in plans] == [
        ("2025-01-01/2027-12-31", "2027-12-31")
    ]
    drills = calendar(system, ENGINEER, unit=unit, kinds=["DRILL"])
    assert drills
    assert all(d["dueDate"] == f"{d['periodLabel']}-12-31" for d in drills)
    waste = calendar(system, ENGINEER, unit=unit, kinds=["HAZARDOUS_WASTE_PLAN"])
    # Filed by 31 March, moved to the next working day when that is a rest day.
    for w in waste:
        due = date.fromisoformat(w["dueDate"])
        assert date(int(w["periodLabel"]), 3, 31) <= due <= date(int(w["periodLabel"]), 4, 3)
        assert due.weekday() < 5
    disclosure = calendar(system, ENGINEER, unit=unit, kinds=["DISCLOSURE"])
    assert all(d["dueDate"] == f"{int(d['periodLabel']) + 1}-03-15" for d in disclosure)


def test_R6_1_6_facility_maintenance_every_quarter(system: RunningSystem, world: dict[str, Any]):
    unit = world["unit"]["id"]
    checks = calendar(system, ENGINEER, unit=unit, kinds=["MAINTENANCE"])
    assert checks
    for c in checks:
        year, quarter = c["periodLabel"].split("-Q")
        end = add_months(date(int(year), 3 * int(quarter), 1), 1) - timedelta(days=1)
        assert c["dueDate"] == end.isoformat()


def test_R4_2_2_1_time_nodes_and_client_decisions_on_the_same_calendar(
    system: RunningSystem, world: dict[str, Any]
):
    engagement = world["engagement"]["id"]
    due = add_months(today(), 2).isoformat()
    added = gql(
        system,
        STEP % ("AddListItemInput", "addListItem"),
        {
            "input": {
                "engagementId": engagement,
                "catalogueCode": "6.1.5",
                "scope": "自行监测方案编制",
                "dueDate": due,
            }
        },
        PM,
    )["addListItem"]
    assert added["__typename"] == "WorkflowStepSuccess", added
    assert [
        i["catalogueCode"] for i in added["engagement"]["listItems"] if i["dueDate"] == due
    ] == ["6.1.5"]

    def on_calendar() -> list[dict[str, Any]]:
        return calendar(system, ENGINEER, engagement=engagement, kinds=["LIST_ITEM"])

    [node] = eventually(on_calendar)
    assert (node["dueDate"], node["periodLabel"], node["state"]) == (due, "6.1.5", "UPCOMING")
    # Closed by its own workflow step, never from the calendar.
    refused = gql(system, COMPLETE, {"input": {"occurrenceId": node["id"]}}, ENGINEER)
    assert refused["completeOccurrence"]["__typename"] == "OccurrenceClosed"
    # The plan waits for the client's decision: in the client's work, not the engineer's.
    draft = gql(
        system,
        STEP % ("DraftPlanInput", "draftPlan"),
        {"input": {"engagementId": engagement, "content": "实施方案 v1"}},
        PM,
    )["draftPlan"]
    assert draft["__typename"] == "WorkflowStepSuccess", draft
    submitted = gql(
        system,
        STEP % ("EngagementInput", "submitPlan"),
        {"input": {"engagementId": engagement}},
        PM,
    )["submitPlan"]
    assert submitted["__typename"] == "WorkflowStepSuccess", submitted
    client = token(f"unit:{raw_id(world['unit']['id'])}", "client_admin", user="client")

    def client_work() -> list[dict[str, Any]]:
        work = gql(system, MY_WORK, {"kinds": ["PLAN_DECISION"], "engagement": engagement}, client)
        return [e["node"] for e in work["myWork"]["edges"]]

    [waiting] = eventually(client_work)
    assert (waiting["kind"], waiting["title"]) == ("PLAN_DECISION", "实施方案第1版待确认")
    engineer_work = gql(system, MY_WORK, {"engagement": engagement}, ENGINEER)["myWork"]
    kinds = {e["node"]["kind"] for e in engineer_work["edges"]}
    assert "PLAN_DECISION" not in kinds
    # The client objects: the decision is made, nothing waits any more.
    decided = gql(
        system,
        STEP % ("DecidePlanInput", "decidePlan"),
        {"input": {"engagementId": engagement, "confirm": False, "reasons": "频次不足"}},
        client,
    )["decidePlan"]
    assert decided["__typename"] == "WorkflowStepSuccess", decided
    eventually(lambda: client_work() == [])


def test_my_work_lists_open_obligations_by_due_date(system: RunningSystem, world: dict[str, Any]):
    work = gql(system, MY_WORK, {"kinds": ["OBLIGATION"]}, ENGINEER)["myWork"]
    nodes = [e["node"] for e in work["edges"]]
    assert nodes
    assert {n["kind"] for n in nodes} == {"OBLIGATION"}
    assert {n["state"] for n in nodes} <= {"UPCOMING", "DUE_SOON", "OVERDUE"}
    dues = [n["dueDate"] for n in nodes]
    assert dues == sorted(dues)
    # A regulator has no obligations of its own to work on here but sees none of ours as work.
    expert = token(f"agency:{AGENCY}", "expert", user="x")
    assert gql(system, MY_WORK, {}, expert)["myWork"]["totalCount"] == 0


MY_WORK_PAGE = """
query($engagement: ID, $first: Int, $after: String) {
  myWork(engagementId: $engagement, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { kind title dueDate } }
  }
}"""


def test_my_work_pages_obligations_and_steps_as_one_keyset(system: RunningSystem):
    """Obligations and steps merge by due date (undated steps last) and page by cursor
    without losing or repeating an item at a page boundary."""
    unit = system.api.create_unit(ADMIN, name="待办分页测试单位")["unit"]
    engagement = system.api.create_engagement(ADMIN, unit["id"])["engagement"]["id"]
    for months, code in ((1, "6.1.5"), (3, "6.1.4.1"), (2, "6.2.5")):
        added = gql(
            system,
            STEP % ("AddListItemInput", "addListItem"),
            {
                "input": {
                    "engagementId": engagement,
                    "catalogueCode": code,
                    "scope": "分页",
                    "dueDate": add_months(today(), months).isoformat(),
                }
            },
            PM,
        )["addListItem"]
        assert added["__typename"] == "WorkflowStepSuccess", added
    for step, kind, variables in (
        ("draftPlan", "DraftPlanInput", {"content": "实施方案 v1"}),
        ("submitPlan", "EngagementInput", {}),
    ):
        done = gql(
            system, STEP % (kind, step), {"input": {"engagementId": engagement, **variables}}, PM
        )[step]
        assert done["__typename"] == "WorkflowStepSuccess", done
    client = token(f"unit:{raw_id(unit['id'])}", "client_admin", user="client")

    def whole() -> list[dict[str, Any]] | None:
        work = gql(system, MY_WORK_PAGE, {"engagement": engagement, "first": 100}, client)
        nodes = [e["node"] for e in work["myWork"]["edges"]]
        return nodes if len(nodes) == 4 and work["myWork"]["totalCount"] == 4 else None

    everything = eventually(whole)
    assert [n["kind"] for n in everything] == ["OBLIGATION"] * 3 + ["PLAN_DECISION"]
    dues = [n["dueDate"] for n in everything[:3]]
    assert dues == sorted(dues)
    assert everything[3]["dueDate"] is None
    paged: list[dict[str, Any]] = []
    after = None
    while True:
        page = gql(
            system, MY_WORK_PAGE, {"engagement": engagement, "first": 1, "after": after}, client
        )["myWork"]
        assert page["totalCount"] == 4
        paged += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert paged == everything


def test_region_overdue_is_read_only_and_scoped(system: RunningSystem, world: dict[str, Any]):
    query = "{ regionOverdueObligations(first: 100) { totalCount edges { node { state } } } }"
    mine = gql(system, query, {}, REGULATOR)["regionOverdueObligations"]
    assert all(e["node"]["state"] == "OVERDUE" for e in mine["edges"])
    assert gql(system, query, {}, ENGINEER)["regionOverdueObligations"]["totalCount"] == 0


ISSUE = """mutation { issueCalendarFeed {
  __typename ... on IssueCalendarFeedSuccess { id token path } } }"""
REVOKE = """mutation { revokeCalendarFeeds(input: {}) {
  __typename ... on RevokeCalendarFeedsSuccess { revoked } } }"""


def test_calendar_feed_is_secret_scoped_and_revocable(system: RunningSystem, world: dict[str, Any]):
    issued = gql(system, ISSUE, {}, ENGINEER)["issueCalendarFeed"]
    assert issued["__typename"] == "IssueCalendarFeedSuccess"
    stored = asyncio.run(
        system.count(
            "compliance",
            "select count(*) from calendar_feed where token_hash = :t",
            t=issued["token"],
        )
    )
    assert stored == 0  # only the hash is kept
    url = system.stack.gateway_url + issued["path"]
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    feed = Calendar.from_ical(response.content)
    events = list(feed.walk("VEVENT"))
    open_ = calendar(system, ENGINEER, states=["UPCOMING", "DUE_SOON", "OVERDUE"])
    assert len(events) == len(open_)
    by_uid = {str(e["UID"]): e for e in events}
    sample = open_[0]
    event = by_uid[f"{raw_id(sample['id'])}@ecohost"]
    assert event.decoded("DTSTART") == date.fromisoformat(sample["dueDate"])
    triggers = sorted(a.decoded("TRIGGER") for a in event.walk("VALARM"))
    assert triggers == sorted(timedelta(days=-d) for d in sample["leadDays"])

    # Another agency's feed holds nothing of ours.
    other = gql(system, ISSUE, {}, OTHER_AGENCY)["issueCalendarFeed"]
    other_feed = Calendar.from_ical(httpx.get(system.stack.gateway_url + other["path"]).content)
    assert list(other_feed.walk("VEVENT")) == []

    assert gql(system, REVOKE, {}, ENGINEER)["revokeCalendarFeeds"]["revoked"] == 1
    assert httpx.get(url).status_code == 404
    assert httpx.get(system.stack.gateway_url + "/calendar/not-a-token.ics").status_code == 404


def test_R6_1_2_renewal_reminder_is_scheduled_and_delivered_once(system: RunningSystem):
    """A permit expiring in 67 days: its renewal is due in 7, a lead time of the rule, so
    registering it schedules today's in-app reminder to the project manager, which the
    service's delivery worker sends once (kit.notify)."""
    unit = system.api.create_unit(ADMIN, name="续证提醒测试单位")["unit"]
    valid_to = today() + timedelta(days=67)
    permit_input = {
        "unitId": unit["id"],
        "number": f"REMIND-{new_id().hex[:10]}",
        "authority": "深圳市生态环境局",
        "category": "SIMPLIFIED",
        "validFrom": "2023-03-01",
        "validTo": valid_to.isoformat(),
    }

    def registered() -> dict[str, Any] | None:
        result = gql(system, REGISTER, {"input": permit_input}, PM)["registerPermit"]
        return result if result["__typename"] == "PermitSuccess" else None

    eventually(registered)
    [renewal] = calendar(system, ENGINEER, unit=unit["id"], kinds=["PERMIT_RENEWAL"])
    assert renewal["dueDate"] == (today() + timedelta(days=7)).isoformat()
    assert renewal["state"] == "DUE_SOON"
    key = f"{raw_id(renewal['id'])}:pm:7:in_app"

    async def notification() -> list[Any]:
        return await system.rows(
            "compliance",
            "select recipient, tenant, channel, subject, status, due_at from notify_notifications "
            "where key = :k",
            k=key,
        )

    def scheduled() -> list[Any] | None:
        return asyncio.run(notification()) or None

    [(recipient, tenant, channel, subject, status, due_at)] = eventually(scheduled)
    assert (recipient, tenant, channel) == ("pm", f"agency:{AGENCY}", "in_app")
    number, period = permit_input["number"], renewal["periodLabel"]
    assert subject == f"【7天后到期】续证提醒测试单位：排污许可证延续申请（{number}）（{period}）"
    # Today's reminder falls due at the service's reminding time (09:00 Shanghai, after
    # quiet hours): before then it waits, from then on the worker sends it, once.
    due = due_at if isinstance(due_at, datetime) else datetime.fromisoformat(str(due_at))
    due = due if due.tzinfo else due.replace(tzinfo=ZoneInfo("UTC"))
    assert due.astimezone(ZoneInfo("Asia/Shanghai")).date() == today()
    if due <= datetime.now(ZoneInfo("UTC")) - timedelta(seconds=5):

        def sent() -> bool:
            return bool(asyncio.run(notification())[0][4] == "sent")

        eventually(sent, timeout=60)
    else:
        assert status == "pending"
    # Another change to the unit regenerates it and schedules again: nothing twice.
    later = (today() + timedelta(days=400)).isoformat()
    stopped = gql(system, STOPPAGE, {"input": {"unitId": unit["id"], "startsOn": later}}, PM)[
        "recordStoppage"
    ]
    assert stopped["__typename"] == "StoppageSuccess"
    count = "select count(*) from notify_notifications where key = :k"
    assert asyncio.run(system.count("compliance", count, k=key)) == 1


RULE = """
mutation($input: DefineComplianceRuleInput!) {
  defineComplianceRule(input: $input) {
    __typename
    ... on AgencyRuleSuccess { rule { code version kind frequency leadDays } }
    ... on InvalidRule { field message }
    ... on ValidationError { field message }
  }
}"""


def test_R6_1_6_agency_rule_is_versioned_and_scheduled_for_its_units(
    system: RunningSystem, world: dict[str, Any]
):
    unit = world["unit"]["id"]
    rule = {
        "code": "wwtp.sludge_check",
        "kind": "MAINTENANCE",
        "titleZh": "污水站污泥检查",
        "titleEn": "Sludge check of the wastewater station",
        "frequency": "SEMIANNUAL",
        "deadlineDays": 10,
        "leadDays": [14, 3],
    }
    first = gql(system, RULE, {"input": rule}, PM)["defineComplianceRule"]
    assert first == {
        "__typename": "AgencyRuleSuccess",
        "rule": {
            "code": "wwtp.sludge_check",
            "version": 1,
            "kind": "MAINTENANCE",
            "frequency": "SEMIANNUAL",
            "leadDays": [14, 3],
        },
    }
    checks = [
        m
        for m in calendar(system, ENGINEER, unit=unit, kinds=["MAINTENANCE"])
        if m["ruleCode"] == "agency.wwtp.sludge_check"
    ]
    assert checks
    for c in checks:
        year, half = c["periodLabel"].split("-H")
        end = date(int(year), 6, 30) if half == "1" else date(int(year), 12, 31)
        assert c["dueDate"] == (end + timedelta(days=10)).isoformat()
        assert c["leadDays"] == [14, 3]
    second = gql(system, RULE, {"input": {**rule, "deadlineDays": 20}}, PM)["defineComplianceRule"]
    assert second["rule"]["version"] == 2
    moved = [
        m
        for m in calendar(system, ENGINEER, unit=unit, kinds=["MAINTENANCE"])
        if m["ruleCode"] == "agency.wwtp.sludge_check"
    ]
    assert [m["id"] for m in moved] == [c["id"] for c in checks]  # the same occurrences,
    assert all(  # due by the new version
        date.fromisoformat(m["dueDate"]) - date.fromisoformat(c["dueDate"]) == timedelta(days=10)
        for m, c in zip(moved, checks, strict=True)
    )
    once = gql(system, RULE, {"input": {**rule, "frequency": "ONCE"}}, PM)["defineComplianceRule"]
    assert once["__typename"] == "InvalidRule"
    assert once["field"] == "rule.frequency"
    # Another agency's units are untouched by this agency's rule.
    assert calendar(system, OTHER_AGENCY, kinds=["MAINTENANCE"]) == []
