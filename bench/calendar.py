"""The compliance calendar at scale: generating the 18-month horizon, the daily scan, and
"due in the next 30 days" for an agency with 500 units — time and memory, each beside a
baseline that does the same database work with SQLAlchemy Core alone.

    .venv/bin/python -m bench.calendar                        # 10,000 units, SQLite
    .venv/bin/python -m bench.calendar --units 2000 --backend both

Units get one 重点管理 permit (annual + quarterly reports, renewal) with `--plans`
monthly monitoring plans each, plus the unit rules of the rule set: with 4 plans about
100 occurrences a unit over the horizon (≈1M for 10,000 units). Agencies serve 500
units each. Prints markdown tables, and the query plan of the calendar page.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import func, insert, select, text, update

from bench.common import run_main
from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import OccurrenceState
from contracts.core import Scope
from kit.db import Database
from kit.ids import new_id
from kit.migrate import upgrade
from services.compliance import app
from services.compliance.calendar import commands, queries, reminders
from services.compliance.calendar.domain import OPEN, add_months
from services.compliance.models import (
    MonitoringPlan,
    Occurrence,
    Permit,
    UnitAgency,
    UnitEntry,
    UnitHorizon,
)

T = TypeVar("T")
AGENCY_UNITS = 500
BATCH = 200


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ecohost-bench-calendar-") as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'compliance.db'}"
        return
    from tests.infra.postgres import running_postgres

    with running_postgres() as pg:
        pg.create_database("calendar")
        yield pg.async_url("calendar")


def _rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measured(work: Callable[[], Awaitable[T]]) -> tuple[T, float, float]:
    """The result, seconds, and the process's peak RSS after it (MiB). Peak RSS only
    grows, so a step's figure includes what earlier steps held (tracemalloc would be
    exact but slows the measured Python several-fold)."""
    started = time.perf_counter()
    result = await work()
    return result, time.perf_counter() - started, _rss_mib()


async def seed(db: Database, units: int, plans: int, today: date) -> tuple[list[UUID], UUID]:
    """Units, their agencies, one permit and `plans` monitoring plans each, by plain
    inserts (not measured)."""
    unit_ids = [new_id() for _ in range(units)]
    agencies = [new_id() for _ in range(max(1, (units + AGENCY_UNITS - 1) // AGENCY_UNITS))]
    now = datetime.now(UTC)
    valid_from = date(today.year - 1, 1, 1)
    async with db.transaction() as session:
        for start in range(0, units, 2000):
            chunk = unit_ids[start : start + 2000]
            await session.execute(
                insert(UnitEntry),
                [
                    {
                        "unit_id": u,
                        "name": f"单位{i}",
                        "region_code": "440305",
                        "source_event_id": new_id(),
                    }
                    for i, u in enumerate(chunk, start)
                ],
            )
            await session.execute(
                insert(UnitAgency),
                [
                    {"unit_id": u, "agency_id": agencies[i // AGENCY_UNITS]}
                    for i, u in enumerate(chunk, start)
                ],
            )
            permits = [
                {
                    "id": new_id(),
                    "unit_id": u,
                    "agency_id": agencies[i // AGENCY_UNITS],
                    "region_code": "440305",
                    "number": f"BENCH{i:08d}",
                    "authority": "局",
                    "category": "key",
                    "valid_from": valid_from,
                    "valid_to": valid_from + timedelta(days=5 * 365),
                    "outlets": ["DA001", "DW001"],
                    "report_schedule": [
                        {"frequency": "annual", "deadline": None},
                        {"frequency": "quarterly", "deadline": None},
                    ],
                    "ruleset_version": "2026.1",
                    "created_at": now,
                    "created_by": "bench",
                }
                for i, u in enumerate(chunk, start)
            ]
            await session.execute(insert(Permit), permits)
            await session.execute(
                insert(MonitoringPlan),
                [
                    {
                        "id": new_id(),
                        "permit_id": p["id"],
                        "unit_id": p["unit_id"],
                        "outlet": "DA001",
                        "pollutant": f"污染物{k}",
                        "frequency": "monthly",
                        "method": "",
                        "sampler": "",
                        "limit_value": None,
                        "limit_unit": "",
                        "created_at": now,
                    }
                    for p in permits
                    for k in range(plans)
                ],
            )
    return unit_ids, agencies[0]


async def generate_all(db: Database, unit_ids: list[UUID], today: date) -> int:
    changed = 0
    for start in range(0, len(unit_ids), BATCH):
        async with db.transaction() as session:
            for unit_id in unit_ids[start : start + BATCH]:
                changed += await commands.generate_unit(session, unit_id, today)
    return changed


async def copy_rows(db: Database, rows: list[dict[str, Any]]) -> int:
    """Baseline: the same rows inserted with Core's executemany, nothing computed."""
    async with db.transaction() as session:
        await session.execute(text("DELETE FROM occurrence"))
    for start in range(0, len(rows), 5000):
        async with db.transaction() as session:
            await session.execute(insert(Occurrence), rows[start : start + 5000])
    return len(rows)


async def scan(db: Database, today: date) -> None:
    await commands.daily_scan(db, today)


async def new_rule_set(db: Database) -> None:
    """As after a deploy with a new rule set: every unit's occurrences are out of date."""
    async with db.transaction() as session:
        await session.execute(update(UnitHorizon).values(ruleset_version="bench-old"))


async def busiest_reminder_day(db: Database, today: date) -> date:
    """The day in the coming year on which the most reminders fall: for each day, the
    open occurrences due that many days later, summed over every lead time in use (the
    rules' and people's), so the scan is timed on its worst day, not on whatever today
    happens to be."""
    async with db.transaction() as session:
        leads = await reminders._all_leads(session)
        rows = await session.execute(
            select(Occurrence.due_date, func.count())
            .where(Occurrence.status == OPEN)
            .group_by(Occurrence.due_date)
        )
        due: dict[date, int] = {day: count for day, count in rows}
    days = [today + timedelta(days=n) for n in range(1, 366)]
    return max(days, key=lambda d: sum(due.get(d + timedelta(days=lead), 0) for lead in leads))


async def remind(db: Database, day: date) -> int:
    """The daily scan of a day on which nothing needs regenerating: its reminders."""
    async with db.transaction() as session:
        return await reminders.schedule_reminders(session, day)


async def read_open(db: Database) -> int:
    """Baseline of the scan: read every open occurrence once, with Core."""
    async with db.transaction() as session:
        result = await session.execute(
            select(Occurrence.id, Occurrence.due_date).where(Occurrence.status == OPEN)
        )
        return len(result.all())


CALENDAR_SQL = (
    "SELECT * FROM occurrence WHERE agency_id = :a AND status = 'open' "
    "AND due_date >= :f AND due_date <= :t ORDER BY due_date, id LIMIT 51"
)


async def pages(db: Database, agency: UUID, today: date, repeat: int) -> list[float]:
    request = compliance_rpc.CalendarRequest(
        scope=Scope(agency_id=agency),
        agency_id=agency,
        from_date=today,
        to_date=today + timedelta(days=30),
        states=[OccurrenceState.DUE_SOON, OccurrenceState.UPCOMING],
        limit=50,
    )
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        async with db.transaction() as session:
            page = await queries.calendar(session, request)
        times.append((time.perf_counter() - started) * 1000)
        assert page.items
    return times


async def raw_pages(db: Database, agency: UUID, today: date, repeat: int) -> list[float]:
    params: dict[str, Any] = {"a": agency, "f": today, "t": today + timedelta(days=30)}
    if db.engine.dialect.name == "sqlite":
        params["a"] = agency.hex  # SQLAlchemy's Uuid stores 32 hex digits on SQLite
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        async with db.engine.connect() as conn:
            (await conn.execute(text(CALENDAR_SQL), params)).all()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def plan(db: Database, agency: UUID, today: date) -> str:
    params: dict[str, Any] = {"a": agency, "f": today, "t": today + timedelta(days=30)}
    async with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            params["a"] = agency.hex
            rows = (await conn.execute(text("EXPLAIN QUERY PLAN " + CALENDAR_SQL), params)).all()
            return "\n".join(str(r[-1]) for r in rows)
        rows = (await conn.execute(text("EXPLAIN " + CALENDAR_SQL), params)).all()
        return "\n".join(str(r[0]) for r in rows)


async def run(backend: str, url: str, units: int, plans: int, repeat: int) -> None:
    today = date.today()
    db = Database(url, schema="compliance" if backend == "postgresql" else None)
    try:
        await upgrade(db, app.MIGRATIONS)
        unit_ids, agency = await seed(db, units, plans, today)
        generated, gen_s, gen_mb = await measured(lambda: generate_all(db, unit_ids, today))
        async with db.engine.connect() as conn:
            total = (await conn.execute(text("SELECT count(*) FROM occurrence"))).scalar_one()
            cols = [c.key for c in Occurrence.__table__.columns]
            rows = [
                dict(zip(cols, r, strict=True))
                for r in (await conn.execute(select(*Occurrence.__table__.columns))).all()
            ]
        await new_rule_set(db)
        regenerated, scan_s, scan_mb = await measured(lambda: commands.extend_horizons(db, today))
        everyone = len(regenerated)
        _, day_s, _ = await measured(lambda: scan(db, today))
        slice_day = add_months(today.replace(day=1), 1)
        in_slice, slice_s, slice_mb = await measured(
            lambda: commands.extend_horizons(db, slice_day)
        )
        sliced = len(in_slice)
        busy_day = await busiest_reminder_day(db, today)
        scheduled, busy_s, busy_mb = await measured(lambda: remind(db, busy_day))
        _, read_s, read_mb = await measured(lambda: read_open(db))
        ours = await pages(db, agency, today, repeat)
        raw = await raw_pages(db, agency, today, repeat)
        shown_plan = await plan(db, agency, today)
        copied, copy_s, copy_mb = await measured(lambda: copy_rows(db, rows))
        print(
            f"\n### {backend}: {units:,} units × ({plans} monitoring plans + 1 permit), "
            f"{total:,} occurrences\n"
        )
        print("| step | ours | baseline (Core alone) |")
        print("| --- | ---: | ---: |")
        print(
            f"| horizon generation ({generated:,} rows) | {gen_s:.1f} s, peak RSS {gen_mb:.0f} MiB"
            f" | insert {copied:,} precomputed rows: {copy_s:.1f} s, peak RSS {copy_mb:.0f} MiB |"
        )
        print(
            f"| regeneration of all {everyone:,} units after a new rule set (nothing to "
            f"change) | {scan_s:.1f} s, peak RSS {scan_mb:.0f} MiB | read every open "
            f"occurrence: {read_s:.1f} s, peak RSS {read_mb:.0f} MiB |"
        )
        print(
            f"| a day's regeneration ({slice_day}): {sliced:,} units' horizon extended by a "
            f"month | {slice_s:.1f} s, peak RSS {slice_mb:.0f} MiB | — |"
        )
        print(f"| daily scan (the day's reminders), today ({today}) | {day_s:.2f} s | — |")
        print(
            f"| daily scan on the busiest day ({busy_day}): {scheduled:,} reminders "
            f"scheduled | {busy_s:.1f} s, peak RSS {busy_mb:.0f} MiB | — |"
        )
        print(
            f"| due in 30 days, agency of {AGENCY_UNITS} units, page of 50 (median of "
            f"{repeat}) | {statistics.median(ours):.1f} ms | {statistics.median(raw):.1f} ms |"
        )
        print(f"\nquery plan ({backend}):\n\n```\n{shown_plan}\n```")
    finally:
        await db.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--units", type=int, default=10_000)
    p.add_argument("--plans", type=int, default=4, help="monthly monitoring plans per unit")
    p.add_argument("--repeat", type=int, default=20, help="calendar pages timed")
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = p.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with ExitStack() as stack:
            url = stack.enter_context(database(backend))
            asyncio.run(run(backend, url, args.units, args.plans, args.repeat))
    sys.stdout.flush()


if __name__ == "__main__":
    run_main(main)
