"""The reads `bench.scale` times: each GraphQL query as a user sends it, and beside it
the baseline — the same rows read directly with SQL (asyncpg) on the same database, so
the difference is the system's own overhead (gateway, NATS RPC, services, views)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bench.scale_seed import World
from kit.keyset import TOTAL_CAP
from tests.e2e.harness import token

AGENCY_ROLES = ("project_manager", "agency_admin")
PROVINCE = "32"
CITY = "3205"
ENGAGEMENT_FIELDS = "id stage serviceModes periodStart periodEnd unit { id name regionCode }"
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


def global_id(type_name: str, id_: Any) -> str:
    return base64.b64encode(f"{type_name}:{id_}".encode()).decode()


def cursor(id_: Any) -> str:
    return base64.b64encode(f"cursor:{id_}".encode()).decode()


@dataclass
class Case:
    """One timed read: who asks, the GraphQL, and the baseline's SQL statements."""

    name: str
    who: str  # "agency" | "regulator" | "unit"
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    baseline: list[tuple[str, list[Any]]] = field(default_factory=list)


def tokens(world: World) -> dict[str, str]:
    return {
        "agency": token(f"agency:{world.agency}", *AGENCY_ROLES, user="pm"),
        "regulator": token(f"region:{PROVINCE}", "regulator", user="reg"),
        "city": token(f"region:{CITY}", "regulator", user="reg-city"),
    }


# The baselines count as far as the lists do ("LIMIT 1000" below).
assert TOTAL_CAP == 1000, "keep the baselines' LIMIT in step with kit.keyset.TOTAL_CAP"
ENGAGEMENT_PAGE = (
    "SELECT e.*, u.region_code FROM engagement.engagement e "
    "JOIN engagement.unit u ON u.id = e.unit_id WHERE {where} ORDER BY e.id LIMIT {limit}"
)
CAPPED_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM engagement.engagement e "
    "JOIN engagement.unit u ON u.id = e.unit_id WHERE {where} LIMIT 1000) c"
)
OVERDUE = (
    "EXISTS (SELECT 1 FROM engagement.list_item li WHERE li.engagement_id = e.id "
    "AND li.status = 'open' AND li.due_date < $2)"
)


def _engagement_list(where: str, params: list[Any], limit: int = 21) -> list[tuple[str, list[Any]]]:
    return [
        (CAPPED_COUNT.format(where=where), params),
        (ENGAGEMENT_PAGE.format(where=where, limit=limit), params),
    ]


def cases(world: World, deep_after: Any) -> list[Case]:
    """Every read of the issue, aimed at the world's first agency, first unit, the
    province (32) and one city (3205)."""
    agency = world.agency
    unit = next(u for u in world.units if world.unit_agency[u] == agency)
    engagement = world.engagements[0]
    today = world.today
    region_like = PROVINCE + "%"
    page = (
        "totalCount pageInfo { hasNextPage endCursor } "
        f"edges {{ node {{ {ENGAGEMENT_FIELDS} }} }}"
    )
    return [
        Case(
            "engagements, first page (agency)",
            "agency",
            f"{{ engagements(first: 20) {{ {page} }} }}",
            baseline=_engagement_list("e.agency_id = $1", [agency]),
        ),
        Case(
            "engagements, page 500 deep by cursor (province)",
            "regulator",
            f"query($after: String) {{ engagements(first: 20, after: $after) {{ {page} }} }}",
            {"after": cursor(deep_after)},
            baseline=[
                (CAPPED_COUNT.format(where="u.region_code LIKE $1"), [region_like]),
                (
                    ENGAGEMENT_PAGE.format(where="u.region_code LIKE $1 AND e.id > $2", limit=21),
                    [region_like, deep_after],
                ),
            ],
        ),
        Case(
            "engagements by stage (agency)",
            "agency",
            f"{{ engagements(first: 20, stage: RESULTS) {{ {page} }} }}",
            baseline=_engagement_list("e.agency_id = $1 AND e.stage = 'results'", [agency]),
        ),
        Case(
            "engagements overdue (agency)",
            "agency",
            f"{{ engagements(first: 20, overdue: true) {{ {page} }} }}",
            baseline=_engagement_list(f"e.agency_id = $1 AND {OVERDUE}", [agency, today]),
        ),
        Case(
            "engagements overdue (province)",
            "regulator",
            f"{{ engagements(first: 20, overdue: true) {{ {page} }} }}",
            baseline=_engagement_list(f"u.region_code LIKE $1 AND {OVERDUE}", [region_like, today]),
        ),
        Case(
            "a unit with its engagements (agency)",
            "agency",
            "query($u: ID!) { unit(id: $u) { id name uscc regionCode industryCode address } "
            f"engagements(first: 20, unitId: $u) {{ {page} }} }}",
            {"u": global_id("Unit", unit)},
            baseline=[
                ("SELECT * FROM engagement.unit WHERE id = $1 AND agency_id = $2", [unit, agency]),
                *_engagement_list("e.agency_id = $2 AND e.unit_id = $1", [unit, agency]),
            ],
        ),
        Case(
            "dashboard, 50 engagements (agency)",
            "agency",
            DASHBOARD,
            baseline=[
                *_engagement_list("e.agency_id = $1", [agency], limit=51),
                (
                    "SELECT li.* FROM engagement.list_item li WHERE li.engagement_id IN "
                    "(SELECT id FROM engagement.engagement WHERE agency_id = $1 "
                    "ORDER BY id LIMIT 50)",
                    [agency],
                ),
                (
                    "SELECT t.* FROM archive.trace_entry t WHERE t.engagement_id IN "
                    "(SELECT engagement_id FROM archive.engagement_parties WHERE agency_id = $1 "
                    "ORDER BY engagement_id LIMIT 50) ORDER BY t.engagement_id, t.seq",
                    [agency],
                ),
                (
                    "SELECT DISTINCT ON (s.engagement_id) s.* FROM evaluation.scorecard s "
                    "WHERE s.engagement_id IN (SELECT engagement_id FROM "
                    "evaluation.engagement_registration WHERE agency_id = $1 "
                    "ORDER BY engagement_id LIMIT 50) ORDER BY s.engagement_id, s.period_end DESC",
                    [agency],
                ),
            ],
        ),
        Case(
            "dueItems, next 30 days (agency)",
            "agency",
            "query($t: Date) { dueItems(dueTo: $t, limit: 50) { engagementId unitId overdue "
            "item { id catalogueCode dueDate status } } }",
            {"t": (today + timedelta(days=30)).isoformat()},
            baseline=[
                (
                    "SELECT li.*, e.* FROM engagement.list_item li JOIN engagement.engagement e "
                    "ON e.id = li.engagement_id WHERE e.agency_id = $1 AND li.due_date <= $2 "
                    "AND li.status IN ('open', 'proposed') ORDER BY li.due_date, li.created_at "
                    "LIMIT 50",
                    [agency, today + timedelta(days=30)],
                )
            ],
        ),
        Case(
            "myWork, obligations (agency)",
            "agency",
            "{ myWork(kinds: [OBLIGATION], first: 20) { totalCount "
            "edges { node { id kind title dueDate state } } } }",
            baseline=[
                (
                    "SELECT count(*) FROM (SELECT 1 FROM compliance.occurrence WHERE "
                    "agency_id = $1 AND status = 'open' LIMIT 1000) c",
                    [agency],
                ),
                (
                    "SELECT * FROM compliance.occurrence WHERE agency_id = $1 AND "
                    "status = 'open' ORDER BY due_date, id LIMIT 21",
                    [agency],
                ),
            ],
        ),
        Case(
            "engagements of a city (regulator 3205)",
            "city",
            f"{{ engagements(first: 20) {{ {page} }} }}",
            baseline=_engagement_list("u.region_code LIKE $1", [CITY + "%"]),
        ),
        Case(
            "units of a city (regulator 3205)",
            "city",
            "{ units(first: 20) { totalCount edges { node { id name uscc regionCode } } } }",
            baseline=[
                (
                    "SELECT count(*) FROM (SELECT 1 FROM engagement.unit WHERE "
                    "region_code LIKE $1 LIMIT 1000) c",
                    [CITY + "%"],
                ),
                (
                    "SELECT * FROM engagement.unit WHERE region_code LIKE $1 ORDER BY id LIMIT 21",
                    [CITY + "%"],
                ),
            ],
        ),
        Case(
            "overdue obligations (province)",
            "regulator",
            "{ regionOverdueObligations(first: 20) { totalCount "
            "edges { node { id kind dueDate state } } } }",
            baseline=[
                (
                    "SELECT count(*) FROM (SELECT 1 FROM compliance.occurrence WHERE "
                    "region_code LIKE $1 AND status = 'open' AND due_date < $2 "
                    "LIMIT 1000) c",
                    [region_like, today],
                ),
                (
                    "SELECT * FROM compliance.occurrence WHERE region_code LIKE $1 AND "
                    "status = 'open' AND due_date < $2 ORDER BY due_date, id LIMIT 21",
                    [region_like, today],
                ),
            ],
        ),
        Case(
            "gradeDistribution (province)",
            "regulator",
            "{ gradeDistribution { total counts { grade count } } }",
            # The counters the service sums for a regulator (grade_tally, kept on write).
            baseline=[
                (
                    "SELECT grade, sum(n) FROM evaluation.grade_tally WHERE region_code LIKE $1 "
                    "GROUP BY grade",
                    [region_like],
                )
            ],
        ),
        Case(
            "regionStatistics (city 3205)",
            "city",
            '{ regionStatistics(regionPrefix: "3205") { rowCount total { engagements '
            "overdueTimeNodes overdueObligations grades { year count } } } }",
            # What the services read for a regulator grouping by region: the counters of
            # engagements by stage and mode, of open list items by due date (summed over
            # the dates before today) and of grades; the overdue obligations are counted
            # from the open occurrences' index (§14).
            baseline=[
                (
                    "SELECT region_code, figure, value, sum(n) FROM engagement.engagement_tally "
                    "WHERE region_code LIKE $1 GROUP BY region_code, figure, value",
                    [CITY + "%"],
                ),
                (
                    "SELECT region_code, sum(n) FROM engagement.open_item_tally WHERE "
                    "region_code LIKE $1 AND due_date < $2 GROUP BY region_code",
                    [CITY + "%", today],
                ),
                (
                    "SELECT region_code, count(*) FROM compliance.occurrence WHERE region_code "
                    "LIKE $1 AND status = 'open' AND due_date < $2 GROUP BY region_code",
                    [CITY + "%", today],
                ),
                (
                    "SELECT region_code, period_end, grade, sum(n) FROM evaluation.grade_tally "
                    "WHERE region_code LIKE $1 GROUP BY region_code, period_end, grade",
                    [CITY + "%"],
                ),
            ],
        ),
        Case(
            "provenance with inclusion proofs (agency)",
            "agency",
            "query($e: ID!) { provenance(engagementId: $e) { treeSize steps { "
            "entry { index eventType } inclusionProof { leafIndex path rootHash } } } }",
            {"e": global_id("Engagement", engagement)},
            baseline=[
                (
                    "SELECT * FROM archive.ledger_leaf WHERE engagement_id = $1 "
                    "ORDER BY leaf_index",
                    [engagement],
                ),
                (
                    # each leaf's sibling subtrees, one a level: the proof's hashes
                    "SELECT n.* FROM archive.ledger_leaf l CROSS JOIN generate_series(1, 24) lv "
                    "JOIN archive.ledger_node n ON n.level = lv.lv "
                    "AND n.node_index = (l.leaf_index >> lv.lv) # 1 WHERE l.engagement_id = $1",
                    [engagement],
                ),
            ],
        ),
        Case(
            "search units 化工 (province)",
            "regulator",
            '{ units(first: 20, search: "化工") { totalCount edges { node { id name } } } }',
            baseline=[
                (
                    "SELECT count(*) FROM (SELECT 1 FROM engagement.unit WHERE region_code "
                    "LIKE $1 AND search_name LIKE '%化工%' LIMIT 1000) c",
                    [region_like],
                ),
                (
                    "SELECT * FROM engagement.unit WHERE region_code LIKE $1 AND "
                    "search_name LIKE '%化工%' ORDER BY id LIMIT 21",
                    [region_like],
                ),
            ],
        ),
        Case(
            "search engagements 化工 (agency)",
            "agency",
            f'{{ engagements(first: 20, search: "化工") {{ {page} }} }}',
            baseline=_engagement_list("e.agency_id = $1 AND u.search_name LIKE '%化工%'", [agency]),
        ),
    ]
