"""Satisfaction surveys answered by the unit's people through a link (R4.2.3.1), through
the gateway over HTTP on SQLite and PostgreSQL: issue, answer once per respondent,
revoke, the answer limit, expiry, and what an answer becomes (a survey record, its
event traced by the archive, and the evaluation's suggestion for 三.5)."""

from __future__ import annotations

import asyncio
import base64
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contracts.engagement.rpc_survey_links import DEFAULT_QUESTIONS
from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, token
from tests.engagement.workflow_client import Engagement, new_engagement, prepare

LINK = "id engagementId method questions expiresAt revokedAt answerCount maxAnswers issuedBy"
ISSUE = f"""mutation($input: IssueSurveyLinkInput!) {{ issueSurveyLink(input: $input) {{
  __typename
  ... on SurveyLinkIssued {{ token link {{ {LINK} }} }}
  ... on Error {{ code message }}
  ... on ValidationError {{ field }}
}} }}"""
REVOKE = f"""mutation($input: RevokeSurveyLinkInput!) {{ revokeSurveyLink(input: $input) {{
  __typename
  ... on RevokeSurveyLinkSuccess {{ link {{ {LINK} }} }}
  ... on Error {{ code message }}
}} }}"""
ANSWER = """mutation($input: AnswerSurveyInput!) { answerSurvey(input: $input) {
  __typename
  ... on SurveyAnswerAccepted { answeredOn }
  ... on Error { code message }
  ... on ValidationError { field }
} }"""
BY_TOKEN = """query($t: String!) { surveyByToken(token: $t) {
  unitName agencyName method questions expiresAt } }"""
LINKS = f"query($eng: ID!) {{ surveyLinks(engagementId: $eng) {{ {LINK} }} }}"
SUGGESTIONS = (
    """query($id: ID!) { scorecard(id: $id) { suggestions { itemCode points rationale } } }"""
)


def gql(e: Engagement, doc: str, tok: str | None, **variables: Any) -> Any:
    body = e.api.gql(doc, variables, tok)
    assert "errors" not in body, body
    [result] = body["data"].values()
    return result


def issue(e: Engagement, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql(e, ISSUE, e.engineer, input={"engagementId": e.id, **fields})
    return result


def answer(e: Engagement, link_token: str, respondent: str, score: str, **extra: Any) -> Any:
    fields = {"token": link_token, "respondent": respondent, "score": score, **extra}
    return gql(e, ANSWER, None, input=fields)


def implementing(system: RunningSystem) -> Engagement:
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    return e


def uuid_of(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def counts(system: RunningSystem, e: Engagement) -> dict[str, Any]:
    """What an answer writes: records, responses, answers counted, events in the outbox."""
    eng = uuid_of(e.id)

    async def read() -> dict[str, Any]:
        return {
            "records": await system.count(
                "engagement",
                "SELECT count(*) FROM service_record WHERE kind = 'satisfaction_survey'"
                " AND CAST(engagement_id AS VARCHAR(40)) LIKE :e",
                e=f"%{eng.replace('-', '%')}%",
            ),
            "responses": await system.count("engagement", "SELECT count(*) FROM survey_response"),
            "answer_count": await system.count(
                "engagement", "SELECT coalesce(sum(answer_count), 0) FROM survey_link"
            ),
            "events": await system.count(
                "engagement",
                "SELECT count(*) FROM outbox WHERE payload LIKE :t AND payload LIKE :e",
                t="%engagement.survey_recorded.v1%",
                e=f"%{eng}%",
            ),
        }

    return asyncio.run(read())


def test_R4_2_3_1_unit_people_answer_a_survey_link_once_each_until_it_is_revoked(
    system: RunningSystem,
):
    e = implementing(system)
    issued = issue(e)
    assert issued["__typename"] == "SurveyLinkIssued", issued
    link, secret = issued["link"], issued["token"]
    assert (link["method"], link["questions"], link["answerCount"], link["maxAnswers"]) == (
        "ONLINE",
        list(DEFAULT_QUESTIONS),
        0,
        200,
    )
    assert (link["engagementId"], link["revokedAt"], link["issuedBy"]) == (e.id, None, "eng")
    expires = datetime.fromisoformat(link["expiresAt"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    assert len(secret) == 43

    page = gql(e, BY_TOKEN, None, t=secret)
    assert page == {
        "unitName": "绿源化工有限公司",
        "agencyName": None,  # the agency registered no profile
        "method": "ONLINE",
        "questions": list(DEFAULT_QUESTIONS),
        "expiresAt": link["expiresAt"],
    }
    before = counts(system, e)
    first = answer(e, secret, "张三", "90", phone="13800000000",
                   answers=[{"question": DEFAULT_QUESTIONS[0], "answer": "满意"}])  # fmt: skip
    assert first["__typename"] == "SurveyAnswerAccepted", first
    assert answer(e, secret, "李四", "80")["__typename"] == "SurveyAnswerAccepted"
    after_two = counts(system, e)
    assert after_two == {
        "records": before["records"] + 2,
        "responses": before["responses"] + 2,
        "answer_count": before["answer_count"] + 2,
        "events": before["events"] + 2,
    }

    # The same person typed differently (full-width, spaces) is still the same person.
    again = answer(e, secret, " 张 三 ", "10", phone="13800000000")
    assert (again["__typename"], again["code"], again["message"]) == (
        "AlreadyAnswered",
        "survey_already_answered",
        "您已填写过本次调查，每人只能填写一次",
    )
    # Answers to questions the link did not ask are refused, before anything is written.
    stray = answer(e, secret, "王五", "70", answers=[{"question": "别的问题", "answer": "x"}])
    assert (stray["__typename"], stray["field"]) == ("ValidationError", "answers")
    wrong = answer(e, "x" * 43, "王五", "70")
    assert (wrong["__typename"], wrong["code"]) == ("SurveyLinkInvalid", "survey_link_invalid")
    assert gql(e, BY_TOKEN, None, t="x" * 43) is None
    assert counts(system, e) == after_two

    records = [r for r in e.state()["records"] if r["kind"] == "satisfaction_survey"]
    assert [(r["details"]["respondent"], r["details"]["score"]) for r in records] == [
        ("张三", "90"),
        ("李四", "80"),
    ]
    assert all("13800000000" not in str(r["details"]) for r in records)
    assert records[0]["details"]["answers"] == [
        {"question": DEFAULT_QUESTIONS[0], "answer": "满意"}
    ]
    assert records[0]["details"]["survey_link_id"] == uuid_of(link["id"])

    revoked = gql(e, REVOKE, e.engineer, input={"linkId": link["id"]})
    assert revoked["__typename"] == "RevokeSurveyLinkSuccess", revoked
    assert (revoked["link"]["revokedAt"] is not None, revoked["link"]["answerCount"]) == (True, 2)
    late = answer(e, secret, "赵六", "60")
    assert (late["__typename"], late["message"]) == (
        "SurveyLinkInvalid",
        "此调查链接已失效，无法填写（可能已过期、已停用或已收满）",
    )
    assert gql(e, BY_TOKEN, None, t=secret) is None
    assert counts(system, e) == after_two
    listed = gql(e, LINKS, e.engineer, eng=e.id)
    assert [(x["id"], x["answerCount"]) for x in listed] == [(link["id"], 2)]

    # Each answer traced once by the archive's ledger, as an agency-recorded survey is.
    trace = e.traced("engagement.survey_recorded.v1", times=2)
    assert [t["eventType"] for t in trace].count("engagement.survey_recorded.v1") == 2
    assert counts(system, e)["events"] == before["events"] + 2

    # The evaluation counts them for 三.5 (satisfaction): mean 85 of 100 → 3.40 of 4.
    admin = token(f"agency:{e.manager_agency}", "agency_admin")
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    opened = gql(e, OPEN, admin, input={"engagementId": e.id, "periodStart": f"{year}-01-01",
                                       "periodEnd": f"{year}-12-31"})  # fmt: skip
    assert opened["__typename"] == "ScorecardSuccess", opened

    def suggested() -> dict[str, Any] | None:
        # The evaluation learns each answer from its own event: wait for both.
        rows = gql(e, SUGGESTIONS, admin, id=opened["scorecard"]["id"])["suggestions"]
        found = next((s for s in rows if s["itemCode"] == "三.5"), None)
        return found if found and "over 2 survey" in found["rationale"] else None

    satisfaction = eventually(suggested)
    assert (satisfaction["points"], satisfaction["rationale"]) == (
        "3.40",
        "mean satisfaction 85.00 over 2 survey(s)",
    )


OPEN = """mutation($input: OpenScorecardInput!) { openScorecard(input: $input) {
  __typename ... on ScorecardSuccess { scorecard { id } } ... on Error { code message } } }"""


def test_R4_2_3_1_a_link_takes_at_most_max_answers(system: RunningSystem):
    e = implementing(system)
    issued = issue(e, maxAnswers=2, method="QUESTIONNAIRE", questions=["服务满意吗？"])
    secret = issued["token"]
    assert issued["link"]["questions"] == ["服务满意吗？"]
    assert answer(e, secret, "甲", "100")["__typename"] == "SurveyAnswerAccepted"
    assert answer(e, secret, "乙", "100")["__typename"] == "SurveyAnswerAccepted"
    full = counts(system, e)
    assert answer(e, secret, "丙", "100")["__typename"] == "SurveyLinkInvalid"
    assert gql(e, BY_TOKEN, None, t=secret) is None
    assert counts(system, e) == full
    assert [x["answerCount"] for x in gql(e, LINKS, e.engineer, eng=e.id)] == [2]

    # Concurrent answers cannot pass the limit: 8 respondents at once, 3 places.
    crowded = issue(e, maxAnswers=3)["token"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        kinds = list(
            pool.map(lambda n: answer(e, crowded, f"员工{n}", "75")["__typename"], range(8))
        )
    assert sorted(kinds) == ["SurveyAnswerAccepted"] * 3 + ["SurveyLinkInvalid"] * 5
    listed = gql(e, LINKS, e.engineer, eng=e.id)
    assert [x["answerCount"] for x in listed] == [2, 3]
    assert counts(system, e)["records"] == full["records"] + 3

    too_many = issue(e, maxAnswers=1001)
    assert (too_many["__typename"], too_many["field"]) == ("ValidationError", "maxAnswers")
    too_long = issue(e, expiresAt=(datetime.now(UTC) + timedelta(days=91)).isoformat())
    assert (too_long["__typename"], too_long["field"], too_long["message"]) == (
        "ValidationError",
        "expiresAt",
        "调查链接的截止时间须晚于当前时间，且不超过 90 天",
    )


def test_R4_2_3_1_an_expired_link_reads_and_answers_as_invalid(system: RunningSystem):
    e = implementing(system)
    soon = datetime.now(UTC) + timedelta(seconds=2)
    secret = issue(e, expiresAt=soon.isoformat())["token"]
    eventually(lambda: gql(e, BY_TOKEN, None, t=secret) is None)
    before = counts(system, e)
    assert answer(e, secret, "张三", "90")["__typename"] == "SurveyLinkInvalid"
    assert counts(system, e) == before


def test_R4_2_3_1_links_only_while_surveys_can_be_recorded(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    refused = issue(e)
    assert (refused["__typename"], refused["code"]) == ("WorkflowConflict", "workflow_conflict")
    assert gql(e, LINKS, e.engineer, eng=e.id) == []


def test_survey_links_are_the_agency_s_and_tokens_are_never_listed(system: RunningSystem):
    e = implementing(system)
    link = issue(e)["link"]
    other = token(f"agency:{new_id()}", "engineer")
    assert gql(e, LINKS, other, eng=e.id) == []
    assert gql(e, REVOKE, other, input={"linkId": link["id"]})["__typename"] == (
        "SurveyLinkNotFound"
    )
    expert = token(f"agency:{e.manager_agency}", "expert")
    assert gql(e, REVOKE, expert, input={"linkId": link["id"]})["__typename"] == "NotAuthorized"
    body = e.api.gql('{ __type(name: "SurveyLink") { fields { name } } }', {}, e.engineer)
    assert "token" not in {f["name"] for f in body["data"]["__type"]["fields"]}
