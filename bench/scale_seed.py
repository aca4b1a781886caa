"""Seeding for `bench.scale`: a province's worth of rows written by COPY straight into
each service's own tables (after its Alembic migrations), shaped as the services write
them: one database, a schema per service.

The shape grows with the number of engagements `n` so that what one agency sees stays
the same at every size and only the rest of the province grows:

- agencies: n / 333 (3 at 1k, 300 at 100k), each serving the same book — about 67 units
  and 333 engagements — so the agency's pages are the same pages at both sizes;
- units: n / 5, in the five cities of one province (region codes 3201xx…3206xx);
- per engagement: two list items (one in ten overdue), 20 trace entries (ledger leaves
  too, with their real hashes and the Merkle tree's stored subtrees), two scorecards;
- per unit: 50 calendar occurrences over the year (1M at 100k).

Rows are generated in Python and streamed with asyncpg's binary COPY in chunks, then
the database is vacuumed and analysed.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg  # type: ignore[import-untyped]  # no stubs; the bench talks COPY and SQL directly

from kit.ids import new_id
from kit.search import grams, normalize
from services.archive.ledger import merkle
from services.archive.ledger.domain import GENESIS, ChainEntry, Leaf, link

CITIES = {"3201": "南京", "3202": "无锡", "3204": "常州", "3205": "苏州", "3206": "南通"}
TRADES = ["化工", "钢铁", "纺织", "印染", "电子", "制药", "造纸", "食品", "机械", "新材料"]
FORMS = ["有限公司", "股份有限公司", "科技有限公司", "厂"]
BRAND_CHARS = "华新源泰恒通达宏盛兴隆金鑫瑞丰永安康海天立美佳顺博德利明阳光辉荣昌"
STAGES = ["preparation", "implementation", "results", "evaluation", "closed"]
GRADES = ["excellent", "good", "qualified", "unqualified"]
OCCURRENCE_KINDS = ["monitoring", "execution_report", "maintenance", "training", "drill"]
EVENT_TYPES = [
    "engagement.created.v1",
    "engagement.list_item_added.v1",
    "engagement.service_recorded.v1",
    "engagement.stage_changed.v1",
]
ENGAGEMENTS_PER_AGENCY = 333
UNITS_PER_ENGAGEMENT = 0.2
TRACE_PER_ENGAGEMENT = 20
SCORECARDS_PER_ENGAGEMENT = 2
OCCURRENCES_PER_UNIT = 50
CHUNK = 20_000


@dataclass
class World:
    """What was seeded, for the queries to aim at."""

    n: int
    today: date
    agencies: list[UUID] = field(default_factory=list)
    units: list[UUID] = field(default_factory=list)
    unit_region: dict[UUID, str] = field(default_factory=dict)
    unit_agency: dict[UUID, UUID] = field(default_factory=dict)
    unit_names: list[str] = field(default_factory=list)
    engagements: list[UUID] = field(default_factory=list)
    engagement_unit: list[UUID] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def agency(self) -> UUID:
        """The agency whose pages are timed."""
        return self.agencies[0]

    def agency_of(self, i: int) -> UUID:
        return self.unit_agency[self.engagement_unit[i]]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def copy(
    conn: asyncpg.Connection, schema: str, table: str, rows: Iterator[dict[str, Any]]
) -> int:
    """Stream dict rows into `schema.table` by binary COPY, CHUNK rows at a time; the
    columns are the first row's keys (the others take their defaults)."""
    count = 0
    columns: list[str] | None = None
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        if columns is None:
            columns = list(row)
        chunk.append(tuple(row[c] for c in columns))
        if len(chunk) == CHUNK:
            await conn.copy_records_to_table(
                table, records=chunk, columns=columns, schema_name=schema
            )
            count += len(chunk)
            chunk = []
    if chunk and columns is not None:
        await conn.copy_records_to_table(table, records=chunk, columns=columns, schema_name=schema)
        count += len(chunk)
    return count


def build_world(n: int, today: date) -> World:
    rng = random.Random(n)
    world = World(n=n, today=today)
    world.agencies = [new_id() for _ in range(max(1, round(n / ENGAGEMENTS_PER_AGENCY)))]
    units = max(1, int(n * UNITS_PER_ENGAGEMENT))
    for i in range(units):
        unit = new_id()
        city = rng.choice(list(CITIES))
        brand = "".join(rng.choice(BRAND_CHARS) for _ in range(2))
        world.units.append(unit)
        world.unit_region[unit] = f"{city}{rng.randint(1, 9):02d}"
        world.unit_agency[unit] = world.agencies[i % len(world.agencies)]
        world.unit_names.append(f"{CITIES[city]}{brand}{rng.choice(TRADES)}{rng.choice(FORMS)}")
    for i in range(n):
        world.engagements.append(new_id())
        world.engagement_unit.append(world.units[i % units])
    return world


# --- engagement ------------------------------------------------------------------------


def _units(w: World) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    for i, (unit, name) in enumerate(zip(w.units, w.unit_names, strict=True)):
        region = w.unit_region[unit]
        yield {
            "id": unit,
            "name": name,
            "search_name": normalize(name),
            "uscc": f"91{region}{i:010d}",
            "industry_code": "C2614",
            "address": f"江苏省{CITIES[region[:4]]}市",
            "region_code": region,
            "agency_id": w.unit_agency[unit],
            "created_at": now,
            "created_by": "bench",
            "outlets": "[]",
        }


def _unit_links(w: World) -> Iterator[dict[str, Any]]:
    """Each unit's agency holds the active link the registry shows it the unit by."""
    now = datetime.now(UTC)
    for unit in w.units:
        yield {
            "unit_id": unit,
            "agency_id": w.unit_agency[unit],
            "status": "active",
            "via": "registered",
            "since": now,
            "ended_at": None,
            "ended_by": None,
        }


def _unit_grams(w: World) -> Iterator[dict[str, Any]]:
    for unit, name in zip(w.units, w.unit_names, strict=True):
        for g in sorted(grams(name)):
            yield {"gram": g, "owner_id": unit}


def _agencies(w: World) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    for i, agency in enumerate(w.agencies):
        yield {
            "id": agency,
            "name": f"环保管家服务机构{i}",
            "uscc": f"91320000A{i:08d}",
            "qualifications": "[]",
            "updated_at": now,
        }


def _spread(i: int) -> int:
    """A well-mixed number per engagement (Knuth's multiplicative hash), so stages and
    overdue items fall evenly over every agency's book, whatever its stride in `i`."""
    return (i * 2654435761) % 2**32


def _engagements(w: World) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    start = date(w.today.year, 1, 1)
    for i, engagement in enumerate(w.engagements):
        yield {
            "id": engagement,
            "unit_id": w.engagement_unit[i],
            "agency_id": w.agency_of(i),
            "service_modes": _json(["fixed_resident"]),
            "period_start": start,
            "period_end": start + timedelta(days=364),
            "stage": STAGES[_spread(i) % len(STAGES)],
            "created_at": now,
            "created_by": "bench",
        }


def _list_items(w: World) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    for i, engagement in enumerate(w.engagements):
        for k, code in enumerate(("6.1.5", "6.1.6")):
            overdue = (_spread(i) >> 8) % 10 == 0 and k == 0
            yield {
                "id": new_id(),
                "engagement_id": engagement,
                "catalogue_code": code,
                "scope": "废水、废气季度监测" if k == 0 else "危废台账核查",
                "expected_effect": "达标排放",
                "target": "每季度一份报告",
                "customised": False,
                "status": "open",
                "contracted_quantity": 4,
                "quantity_unit": "inspection",
                "due_date": w.today - timedelta(days=10)
                if overdue
                else w.today + timedelta(days=30 + i % 300),
                "created_at": now,
                # announced already: the service's overdue scan has nothing to send
                "overdue_notified_on": w.today - timedelta(days=10) if overdue else None,
            }


# --- evaluation ------------------------------------------------------------------------


def _eval_units(w: World) -> Iterator[dict[str, Any]]:
    for i, (unit, name) in enumerate(zip(w.units, w.unit_names, strict=True)):
        region = w.unit_region[unit]
        yield {
            "unit_id": unit,
            "name": name,
            "uscc": f"91{region}{i:010d}",
            "region_code": region,
            "source_event_id": new_id(),
        }


def _registrations(w: World) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    start = date(w.today.year, 1, 1)
    for i, engagement in enumerate(w.engagements):
        unit = w.engagement_unit[i]
        yield {
            "engagement_id": engagement,
            "unit_id": unit,
            "agency_id": w.agency_of(i),
            "source_event_id": new_id(),
            "registered_at": now,
            "period_start": start,
            "period_end": start + timedelta(days=364),
            "region_code": w.unit_region[unit],
        }


def _scorecards(w: World, template: UUID) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    for i, engagement in enumerate(w.engagements):
        unit = w.engagement_unit[i]
        for k in range(SCORECARDS_PER_ENGAGEMENT):
            year = w.today.year - SCORECARDS_PER_ENGAGEMENT + 1 + k
            finalized = k < SCORECARDS_PER_ENGAGEMENT - 1 or i % 2 == 0
            total = 55 + (i * 7 + k * 13) % 45
            yield {
                "id": new_id(),
                "series_id": new_id(),
                "version": 1,
                "engagement_id": engagement,
                "unit_id": unit,
                "agency_id": w.agency_of(i),
                "region_code": w.unit_region[unit],
                "template_id": template,
                "period_label": f"{year}年度",
                "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31),
                "status": "finalized" if finalized else "open",
                "opened_by": "bench",
                "opened_at": now,
                "finalized_at": now if finalized else None,
                "finalized_by": "bench" if finalized else None,
                "total": total * 100 if finalized else None,  # Points: hundredths
                "grade": _grade(total) if finalized else None,
            }


def _grade(total: int) -> str:
    if total >= 90:
        return GRADES[0]
    if total > 70:
        return GRADES[1]
    if total >= 60:
        return GRADES[2]
    return GRADES[3]


# --- compliance ------------------------------------------------------------------------


def _compliance_units(w: World) -> Iterator[dict[str, Any]]:
    for unit, name in zip(w.units, w.unit_names, strict=True):
        yield {
            "unit_id": unit,
            "name": name,
            "region_code": w.unit_region[unit],
            "source_event_id": new_id(),
        }


def _unit_agencies(w: World) -> Iterator[dict[str, Any]]:
    for unit in w.units:
        yield {"unit_id": unit, "agency_id": w.unit_agency[unit]}


def _engagement_links(w: World) -> Iterator[dict[str, Any]]:
    for i, engagement in enumerate(w.engagements):
        yield {
            "engagement_id": engagement,
            "unit_id": w.engagement_unit[i],
            "agency_id": w.agency_of(i),
        }


def _occurrences(w: World) -> Iterator[dict[str, Any]]:
    """50 a unit over the year around today: done before today, except one in twelve
    left open (overdue); open from today on."""
    for u, unit in enumerate(w.units):
        source = new_id()
        for k in range(OCCURRENCES_PER_UNIT):
            due = w.today + timedelta(days=(k * 7 + u) % 364 - 182)
            late = due < w.today
            kind = OCCURRENCE_KINDS[k % len(OCCURRENCE_KINDS)]
            yield {
                "id": new_id(),
                "unit_id": unit,
                "agency_id": w.unit_agency[unit],
                "region_code": w.unit_region[unit],
                "source_id": source,
                "kind": kind,
                "rule_code": f"bench.{kind}",
                "ruleset_version": "2026.1",
                "title_zh": "自行监测报告",
                "title_en": "Self-monitoring report",
                "period_label": f"{due:%Y-%m}",
                "due_date": due,
                "status": "open" if not late or (u + k) % 12 == 0 else "done",
                "statement_only": False,
                "lead_days": "[]",  # no reminders to schedule while timing
            }


# --- archive: trace chains and the global ledger ------------------------------------------


@dataclass
class Ledger:
    """Leaf hashes in log order, collected while the trace rows stream out."""

    leaf_hashes: list[bytes] = field(default_factory=list)


def _trace_and_leaves(
    w: World, ledger: Ledger
) -> tuple[Iterator[dict[str, Any]], Callable[[], Iterator[dict[str, Any]]]]:
    """Trace entries (each engagement's chain) and, once they are written, the ledger's
    leaves: the same events interleaved across engagements as they would arrive."""
    started = datetime.now(UTC) - timedelta(days=200)
    leaves: list[dict[str, Any]] = []

    def trace() -> Iterator[dict[str, Any]]:
        heads = [GENESIS] * len(w.engagements)
        for seq in range(1, TRACE_PER_ENGAGEMENT + 1):
            for i, engagement in enumerate(w.engagements):
                occurred = started + timedelta(minutes=seq * 600 + i % 600)
                tenant = f"agency:{w.agency_of(i)}"
                entry = ChainEntry(
                    engagement_id=engagement,
                    seq=seq,
                    event_id=new_id(),
                    event_type=EVENT_TYPES[seq % len(EVENT_TYPES)],
                    occurred_at=occurred,
                    actor="bench",
                    tenant=tenant,
                    payload_sha256=hashlib.sha256(f"{engagement}{seq}".encode()).hexdigest(),
                )
                entry_hash = link(heads[i], entry)
                yield {
                    "engagement_id": engagement,
                    "seq": seq,
                    "event_id": entry.event_id,
                    "event_type": entry.event_type,
                    "occurred_at": occurred,
                    "recorded_at": occurred,
                    "actor": entry.actor,
                    "tenant": tenant,
                    "payload_sha256": entry.payload_sha256,
                    "prev_hash": heads[i],
                    "entry_hash": entry_hash,
                }
                heads[i] = entry_hash
                leaf = Leaf(
                    index=len(ledger.leaf_hashes),
                    event_id=entry.event_id,
                    event_type=entry.event_type,
                    occurred_at=occurred,
                    actor=entry.actor,
                    tenant=tenant,
                    payload_sha256=entry.payload_sha256,
                    engagement_id=engagement,
                    chain_seq=seq,
                    chain_hash=entry_hash,
                )
                digest = leaf.hash()
                ledger.leaf_hashes.append(digest)
                leaves.append(
                    {
                        "leaf_index": leaf.index,
                        "event_id": leaf.event_id,
                        "event_type": leaf.event_type,
                        "occurred_at": occurred,
                        "recorded_at": occurred,
                        "actor": leaf.actor,
                        "tenant": tenant,
                        "payload_sha256": leaf.payload_sha256,
                        "engagement_id": engagement,
                        "chain_seq": seq,
                        "chain_hash": entry_hash,
                        "leaf_hash": digest.hex(),
                    }
                )

    def leaf_rows() -> Iterator[dict[str, Any]]:
        yield from leaves
        leaves.clear()

    return trace(), leaf_rows


def _nodes(ledger: Ledger) -> Iterator[dict[str, Any]]:
    """Every complete perfect subtree above the leaves, as the archive stores them."""
    level_hashes = ledger.leaf_hashes
    level = 0
    while len(level_hashes) > 1:
        level += 1
        upper = [
            merkle.node_hash(level_hashes[k], level_hashes[k + 1])
            for k in range(0, len(level_hashes) - 1, 2)
        ]
        for index, h in enumerate(upper):
            yield {"level": level, "node_index": index, "hash": h.hex()}
        level_hashes = upper


def _parties(w: World) -> Iterator[dict[str, Any]]:
    for i, engagement in enumerate(w.engagements):
        yield {
            "engagement_id": engagement,
            "agency_id": w.agency_of(i),
            "unit_id": w.engagement_unit[i],
        }


# --- all of it -------------------------------------------------------------------------------


async def seed(dsn: str, world: World) -> None:
    """COPY every table, one service schema after another, then ANALYZE."""
    conn = await asyncpg.connect(dsn)
    try:
        template = await conn.fetchval(
            "SELECT id FROM evaluation.evaluation_template WHERE agency_id IS NULL "
            "ORDER BY version DESC LIMIT 1"
        )
        ledger = Ledger()
        trace, leaves = _trace_and_leaves(world, ledger)
        steps: list[tuple[str, str, Callable[[], Iterator[dict[str, Any]]]]] = [
            ("engagement", "agency", lambda: _agencies(world)),
            ("engagement", "unit", lambda: _units(world)),
            ("engagement", "unit_link", lambda: _unit_links(world)),
            ("engagement", "unit_search_gram", lambda: _unit_grams(world)),
            ("engagement", "engagement", lambda: _engagements(world)),
            ("engagement", "list_item", lambda: _list_items(world)),
            ("evaluation", "unit_directory", lambda: _eval_units(world)),
            ("evaluation", "engagement_registration", lambda: _registrations(world)),
            ("evaluation", "scorecard", lambda: _scorecards(world, template)),
            ("compliance", "unit_directory", lambda: _compliance_units(world)),
            ("compliance", "unit_agency", lambda: _unit_agencies(world)),
            ("compliance", "engagement_link", lambda: _engagement_links(world)),
            ("compliance", "occurrence", lambda: _occurrences(world)),
            ("archive", "engagement_parties", lambda: _parties(world)),
            ("archive", "trace_entry", lambda: trace),
            ("archive", "ledger_leaf", leaves),
            ("archive", "ledger_node", lambda: _nodes(ledger)),
        ]
        for schema, table, rows in steps:
            started = time.perf_counter()
            world.rows[f"{schema}.{table}"] = await copy(conn, schema, table, rows())
            world.seconds[f"{schema}.{table}"] = time.perf_counter() - started
        # VACUUM too: the visibility map lets index-only scans skip the rows, and
        # autovacuum, which a bulk load triggers, does not run during the timings.
        started = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        world.seconds["VACUUM ANALYZE"] = time.perf_counter() - started
    finally:
        await conn.close()
