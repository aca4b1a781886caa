"""The handover (移交) over HTTP as one act: an engagement driven to results, its
deliverables uploaded, `handOver` with waivers, the archive's handover read back."""

from __future__ import annotations

from typing import Any

from tests.archive import archive_api as a
from tests.e2e.harness import Api, eventually
from tests.engagement.workflow_client import Engagement, prepare

HAND_OVER = """mutation($i: HandOverInput!) { handOver(input: $i) { __typename
  ... on WorkflowStepSuccess { engagement { id stage deliverables } }
  ... on HandoverIncomplete { code message field missing }
  ... on Error { code message } } }"""
HANDOVERS = """query($e: ID!) { handovers(engagementId: $e) {
  id itemIds itemSha256 checkpointTreeSize checkpointNote representative } }"""
PACKAGE = """mutation($i: IssueHandoverPackageUrlInput!) { issueHandoverPackageUrl(input: $i) {
  __typename ... on HandoverPackageSuccess { url expiresAt sha256 size filename }
  ... on Error { code message } } }"""
OTHER_KINDS = ["ENVIRONMENTAL_FILES", "TRAINING_PUBLICITY"]
WAIVERS = [{"kind": k, "reason": "本期服务内容不含此项"} for k in OTHER_KINDS]


def to_results(e: Engagement) -> None:
    """Figure 1 up to the results stage (成果)."""
    item = prepare(e, quantity=1)
    e.ok("signContract", signedOn="2027-01-10")
    e.ok("recordInspection", e.engineer, performedOn="2027-03-01", problemsFound=0,
         rectificationPlans=0, listItemId=item)  # fmt: skip
    e.ok("finishListItem", itemId=item)
    assert e.ok("completeImplementation") == "RESULTS"


def deliverables(api: Api, pm: str, engagement: str) -> list[dict[str, Any]]:
    """The summary and the results report (the other two required kinds are waived)."""
    summary = a.upload(api, pm, engagement, "托管服务实施总结报告\n".encode() * 300,
                       category="IMPLEMENTATION_SUMMARY", title="实施总结报告",
                       filename="实施总结报告.pdf")  # fmt: skip
    results = a.upload(api, pm, engagement, "托管服务成果报告\n".encode() * 500)
    return [summary, results]


def hand_over(
    api: Api, pm: str, engagement: str, ids: list[str], waivers: list[dict[str, str]] = WAIVERS
) -> dict[str, Any]:
    variables = {
        "i": {
            "engagementId": engagement,
            "handedOverOn": "2027-12-20",
            "deliverables": ids,
            "waivers": waivers,
        }
    }
    body = api.gql(HAND_OVER, variables, pm)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["handOver"]
    return result


def recorded(api: Api, token: str, engagement: str) -> dict[str, Any]:
    """The archive's handover, once it has recorded the engagement's event."""
    found: list[dict[str, Any]] = eventually(
        lambda: api.gql(HANDOVERS, {"e": engagement}, token)["data"]["handovers"]
    )
    [handover] = found
    return handover
