"""Reminders: scheduling many notifications and draining them through a local sink.

    python -m bench.notify [--n 100000] [--backend sqlite|postgresql|both] [--repeat 1]

Per backend and round, on a fresh database migrated with the `notify` kit branch:

- `kit.notify.schedule` inserts `n` notifications, 1,000 per transaction (a daily
  scan's batches), skipping keys already there (ON CONFLICT DO NOTHING … RETURNING).
  Baseline: the same rows through a plain SQLAlchemy Core executemany INSERT, same
  batches, no conflict handling: what exactly-once scheduling costs.
- `DeliveryWorker.drain()` delivers them all through a sink transport that builds each
  email (MIME, Chinese subject) and keeps only its size: claim under a lease, one
  finishing transaction (state + delivery-log line) per notification. Baseline: read
  the rows in id order, build the same emails, mark each batch sent with one UPDATE
  (no lease, no log, a crash re-sends a whole batch).

Also reported: rows re-scheduled (must be 0 new) and the peak RSS of the process.
"""

from __future__ import annotations

import resource
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import insert, select, update

from bench import common
from kit.db import Database
from kit.migrate import upgrade
from kit.notify import (
    Channel,
    DeliveryWorker,
    Notification,
    NotifySettings,
    ScheduledNotification,
    Status,
    build_email,
    count_by_status,
    schedule,
)
from kit.notify.tables import notifications
from tests.kit.notify.conftest import make_migrations

if TYPE_CHECKING:
    from tests.infra.postgres import PostgresInfo

BATCH = 1000


class SizeSink:
    """A local email sink: builds the message as the email transport would, keeps its size."""

    channel: ClassVar[Channel] = Channel.EMAIL

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self.sent = 0
        self.bytes = 0

    async def send(self, item: ScheduledNotification) -> None:
        self.bytes += len(build_email(item, self.settings).as_bytes())
        self.sent += 1


def workload(n: int) -> list[Notification]:
    due = datetime.now(UTC) - timedelta(minutes=1)
    return [
        Notification(
            key=f"occ-{i // 4:07d}:person-{i % 997:04d}:{(30, 7, 1, 0)[i % 4]}:email",
            tenant=f"agency:{i % 50:04d}",
            recipient=f"person-{i % 997:04d}",
            channel=Channel.EMAIL,
            address=f"person-{i % 997:04d}@unit{i // 4 % 10000:05d}.example.cn",
            subject=f"【提醒】排污许可证执行报告将于{(30, 7, 1, 0)[i % 4]}天后到期",
            body=f"单位{i // 4 % 10000:05d}的排污许可证年度执行报告须于1月31日前提交。",
            data={"occurrence": f"occ-{i // 4:07d}"},
            due_at=due,
        )
        for i in range(n)
    ]


def raw_rows(items: Sequence[Notification]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "key": n.key,
            "tenant": n.tenant,
            "recipient": n.recipient,
            "channel": str(n.channel),
            "address": n.address,
            "subject": n.subject,
            "body": n.body,
            "data": "{}",
            "due_at": n.due_at,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": n.due_at,
            "created_at": now,
        }
        for n in items
    ]


async def fresh_db(url: str, tmp: Path) -> Database:
    db = Database(url, schema="notifybench")
    await upgrade(db, make_migrations(tmp))
    return db


async def library_round(url: str, tmp: Path, items: list[Notification]) -> dict[str, Any]:
    db = await fresh_db(url, tmp)
    try:
        with common.Stopwatch() as sched:
            for chunk in common.batches(items, BATCH):
                async with db.transaction() as session:
                    await schedule(session, chunk, quiet_hours=None)
        with common.Stopwatch() as again:  # the next day's scan finds them all scheduled
            new = 0
            for chunk in common.batches(items, BATCH):
                async with db.transaction() as session:
                    new += await schedule(session, chunk, quiet_hours=None)
        settings = NotifySettings(batch_size=500, concurrency=16)
        sink = SizeSink(settings)
        worker = DeliveryWorker(db, [sink], settings, name="bench")
        with common.Stopwatch() as drain:
            delivered = await worker.drain()
        async with db.transaction() as session:
            states = await count_by_status(session)
        assert delivered == len(items), delivered
        assert states == {Status.SENT: len(items)}, states
        return {"schedule": sched, "again": again, "new": new, "drain": drain, "sink": sink}
    finally:
        await db.dispose()


async def baseline_round(url: str, tmp: Path, items: list[Notification]) -> dict[str, Any]:
    db = await fresh_db(url, tmp)
    settings = NotifySettings()
    try:
        rows = raw_rows(items)
        with common.Stopwatch() as sched:
            for chunk in common.batches(rows, BATCH):
                async with db.transaction() as session:
                    await session.execute(insert(notifications), list(chunk))
        sent = 0
        with common.Stopwatch() as drain:
            last = 0
            while True:
                async with db.transaction() as session:
                    batch = (
                        await session.execute(
                            select(notifications)
                            .where(notifications.c.id > last)
                            .order_by(notifications.c.id)
                            .limit(500)
                        )
                    ).all()
                if not batch:
                    break
                for row in batch:
                    item = ScheduledNotification.from_row(row)
                    build_email(item, settings).as_bytes()
                    sent += 1
                ids = [r.id for r in batch]
                last = ids[-1]
                async with db.transaction() as session:
                    await session.execute(
                        update(notifications)
                        .where(notifications.c.id.in_(ids))
                        .values(status="sent", sent_at=datetime.now(UTC))
                    )
        assert sent == len(items)
        return {"schedule": sched, "drain": drain}
    finally:
        await db.dispose()


async def measure(
    backends: list[str], n: int, repeat: int, tmp: Path, pg: PostgresInfo | None
) -> None:
    items = workload(n)
    rows: list[list[str]] = []
    for backend in backends:
        measured = {
            key: common.Measured(backend, what, n)
            for key, what in (
                ("schedule", "kit.notify.schedule"),
                ("raw_insert", "baseline: SQLAlchemy executemany INSERT"),
                ("again", "schedule again (all keys known)"),
                ("drain", "DeliveryWorker.drain (sink)"),
                ("raw_drain", "baseline: select + build + UPDATE per batch"),
            )
        }
        for r in range(repeat):
            for kind in ("library", "baseline"):
                where = tmp / f"{backend}-{kind}-{r}"
                where.mkdir()
                if backend == "sqlite":
                    url = common.sqlite_url(where / "notify.db")
                else:
                    assert pg is not None
                    name = f"notify_{kind}_{r}"
                    pg.create_database(name)
                    url = pg.async_url(name)
                if kind == "library":
                    got = await library_round(url, where, items)
                    assert got["new"] == 0
                    measured["schedule"].add(got["schedule"])
                    measured["again"].add(got["again"])
                    measured["drain"].add(got["drain"])
                else:
                    got = await baseline_round(url, where, items)
                    measured["raw_insert"].add(got["schedule"])
                    measured["raw_drain"].add(got["drain"])
        rows.extend(m.row() for m in measured.values())
    print()
    print(
        common.markdown_table(
            common.measured_headers("backend", "step", "notifications", "notification"), rows
        )
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the benchmark process: {peak_mib:,.0f} MiB")


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=100_000, backend="sqlite")
    p.add_argument("--repeat", type=int, default=1, help="rounds per backend (default 1)")
    args = p.parse_args()
    backends = common.start(args)
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("notify"))
        pg = common.postgres_if_asked(stack, backends)
        common.run_async(measure(backends, args.n, args.repeat, tmp, pg), args.loop)


if __name__ == "__main__":
    common.run_main(main)
