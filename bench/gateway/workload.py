"""The workload: one agency's 50 engagements seeded through the API, then the dashboard
query sent to every target at a fixed concurrency, timed in rounds."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench import common
from tests.e2e.harness import CREATE_ENGAGEMENT, CREATE_UNIT, new_uscc, token

ROWS = 50
WARMUP = 50
AGENCY = "agency:0190a3c2-7b1e-7c3d-8e4f-00000000beef"
DASHBOARD = """
query Dashboard {
  engagements(first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id stage serviceModes periodStart periodEnd contractedTeamSize contractSignedOn
      unit { id name uscc regionCode }
      listItems { id catalogueCode scope status contractedQuantity doneQuantity dueDate overdue }
      checklist { completeness }
      trace { seq eventType actor occurredAt }
      latestScorecard { id status periodLabel total grade }
    } }
  }
}"""
ADD_ITEM = """mutation($input: AddListItemInput!) { addListItem(input: $input) { __typename } }"""
OPEN_CARD = """mutation($input: OpenScorecardInput!) {
  openScorecard(input: $input) { __typename ... on Error { code message } } }"""


def seed(client: httpx.Client, url: str) -> str:
    """50 engagements of one agency, each with two list items and an open scorecard;
    returns the project manager's token once every row is traced and registered."""
    admin = token(AGENCY, "agency_admin", user="admin")
    manager = token(AGENCY, "project_manager", user="pm")

    def gql(query: str, variables: dict[str, Any], tok: str) -> dict[str, Any]:
        r = client.post(
            url + "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {tok}"},
        )
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    ids = []
    for i in range(ROWS):
        unit = gql(
            CREATE_UNIT,
            {
                "input": {
                    "name": f"绿源化工有限公司 {i}",
                    "uscc": new_uscc(),
                    "industryCode": "C2614",
                    "address": "深圳市南山区",
                }
            },
            admin,
        )["createUnit"]["unit"]
        made = gql(
            CREATE_ENGAGEMENT,
            {
                "input": {
                    "unitId": unit["id"],
                    "serviceModes": ["FIXED_RESIDENT"],
                    "periodStart": "2027-01-01",
                    "periodEnd": "2027-12-31",
                }
            },
            admin,
        )["createEngagement"]["engagement"]
        ids.append(made["id"])
        for code, scope in (("6.1.5", "废水、废气季度监测"), ("6.1.6", "危废台账核查")):
            gql(
                ADD_ITEM,
                {
                    "input": {
                        "engagementId": made["id"],
                        "catalogueCode": code,
                        "scope": scope,
                        "expectedEffect": "达标排放",
                        "target": "每季度一份报告",
                        "contractedQuantity": 4,
                        "quantityUnit": "inspection",
                        "dueDate": "2027-12-31",
                    }
                },
                manager,
            )
    for engagement_id in ids:  # the evaluation service registers each from its event
        card = {
            "engagementId": engagement_id,
            "periodStart": "2027-01-01",
            "periodEnd": "2027-12-31",
        }
        deadline = time.monotonic() + 60
        while (opened := gql(OPEN_CARD, {"input": card}, manager)["openScorecard"])[
            "__typename"
        ] != "ScorecardSuccess":
            assert time.monotonic() < deadline, opened
            time.sleep(0.2)
    deadline = time.monotonic() + 60
    while True:  # every row traced (the archive's consumer) with its scorecard event
        rows = gql(DASHBOARD, {}, manager)["engagements"]["edges"]
        if len(rows) == ROWS and all(len(r["node"]["trace"] or []) >= 4 for r in rows):
            return manager
        assert time.monotonic() < deadline, "the archive did not trace every row"
        time.sleep(0.2)


@dataclass
class Target:
    label: str
    url: str
    pids: dict[str, int]  # the serving processes by name
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu_by_process: dict[str, float] = field(default_factory=dict)
    client_cpu: float = 0.0
    requests: int = 0

    @property
    def cpu(self) -> float:
        return sum(self.cpu_by_process.values())


def proc_cpu(pids: dict[str, int]) -> dict[str, float]:
    return {name: common.cpu_seconds(pid) or 0.0 for name, pid in pids.items()}


async def measure(
    targets: list[Target], manager: str, n: int, concurrency: int, rounds: int
) -> None:
    headers = {"authorization": f"Bearer {manager}", "content-type": "application/json"}
    body = json.dumps({"query": DASHBOARD}).encode()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=600) as client:

        async def ask(url: str) -> dict[str, Any]:
            r = await client.post(url + "/graphql", content=body, headers=headers)
            assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:500]}"
            answer: dict[str, Any] = r.json()
            # Every timed answer is a whole one: a server that fails some is not faster.
            assert "errors" not in answer, f"{url}: {str(answer['errors'])[:500]}"
            return answer

        answers = [await ask(t.url) for t in targets]
        for t, a in zip(targets, answers, strict=True):
            assert "errors" not in a, f"{t.label} answers with errors: {a}"
            assert a == answers[0], f"{t.label} answers differently: {a}"
        rows = len(answers[0]["data"]["engagements"]["edges"])
        print(f"all {len(targets)} answer the same ({rows} rows, {len(body)} B query)", flush=True)

        def caller(url: str) -> Callable[[int], Awaitable[None]]:
            async def call(_i: int) -> None:
                await ask(url)

            return call

        for t in targets:
            await common.drive(caller(t.url), WARMUP, concurrency)
        for _ in range(rounds):
            for t in targets:
                cpu0, client0 = proc_cpu(t.pids), common.cpu_seconds()
                seconds, latencies = await common.drive(caller(t.url), n, concurrency)
                for name, spent in proc_cpu(t.pids).items():
                    t.cpu_by_process[name] = t.cpu_by_process.get(name, 0.0) + spent - cpu0[name]
                t.client_cpu += (common.cpu_seconds() or 0.0) - (client0 or 0.0)
                t.rates.append(n / seconds)
                t.latencies.extend(latencies)
                t.requests += n
