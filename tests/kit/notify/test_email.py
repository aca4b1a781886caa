"""Email reminders through a real SMTP server (aiosmtpd): Chinese subject and body,
one recipient per message, exactly once per key with two workers and across a kill."""

from __future__ import annotations

import asyncio
import mailbox
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from kit.db import Database
from kit.notify import (
    DeliveryWorker,
    EmailTransport,
    Notification,
    NotifySettings,
    Outcome,
    Status,
    delivery_log,
    get_notification,
    message_id,
    schedule,
)
from tests.kit.notify.conftest import SERVICE
from tests.kit.notify.factories import TENANT, reminder
from tests.kit.notify.smtp_server import Mailbox, running_smtp_server

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with running_smtp_server() as server:
        yield server


def smtp_settings(port: int, **overrides: object) -> NotifySettings:
    values: dict[str, object] = {
        "email_mode": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_timeout": 10.0,
        **overrides,
    }
    return NotifySettings.model_validate(values)


async def _schedule(db: Database, items: list[Notification]) -> None:
    async with db.transaction() as session:
        assert await schedule(session, items, quiet_hours=None) == len(items)


def assert_each_arrived_once(box: Mailbox, items: list[Notification]) -> None:
    """Every reminder arrived once, to its own address only, in Chinese, with its own
    data and nobody else's."""
    received = box.messages()
    assert Counter(tuple(m.rcpt_tos) for m in received) == Counter((n.address,) for n in items)
    by_address = {m.rcpt_tos[0]: m for m in received}
    everyone = {n.recipient for n in items}
    for n in items:
        m = by_address[str(n.address)]
        assert m.subject == n.subject
        assert m.body.rstrip("\n") == n.body.rstrip("\n")
        assert m.message["To"] == n.address
        assert m.message["Message-ID"] == message_id(n.key, "ecohost.localhost")
        others = everyone - {n.recipient}
        text = m.subject + m.body + str(m.message["To"])
        assert not any(other.removeprefix("person-") in text for other in others)


async def test_R6_1_2_an_email_reminder_arrives_in_chinese_to_its_recipient_only(
    db: Database, smtp: tuple[Mailbox, int]
):
    box, port = smtp
    items = [reminder(i) for i in range(3)]
    await _schedule(db, items)
    settings = smtp_settings(port)
    worker = DeliveryWorker(db, [EmailTransport(settings)], settings)
    assert await worker.drain() == 3
    assert await worker.drain() == 0  # nothing left, nothing sent again
    assert_each_arrived_once(box, items)
    raw = box.messages()[0].raw
    assert b"=?utf-8?" in raw  # the subject travels RFC 2047-encoded
    async with db.transaction() as session:
        stored = await get_notification(session, items[0].key)
        log = await delivery_log(session, TENANT, key=items[0].key)
    assert stored is not None
    assert stored.status is Status.SENT
    assert stored.attempts == 1
    assert [(a.attempt, a.outcome, a.error) for a in log] == [(1, Outcome.SENT, None)]
    assert log[0].worker == worker.name


async def test_two_workers_on_one_database_send_each_reminder_once(
    database_url: str, db: Database, smtp: tuple[Mailbox, int]
):
    box, port = smtp
    items = [reminder(i) for i in range(40)]
    await _schedule(db, items)
    settings = smtp_settings(port, batch_size=5, concurrency=4)
    other_replica = Database(database_url, schema=SERVICE)
    try:
        first = DeliveryWorker(db, [EmailTransport(settings)], settings, name="replica-a")
        second = DeliveryWorker(
            other_replica, [EmailTransport(settings)], settings, name="replica-b"
        )
        await asyncio.gather(first.drain(), second.drain())
    finally:
        await other_replica.dispose()
    assert first.delivered + second.delivered == 40
    assert_each_arrived_once(box, items)
    async with db.transaction() as session:
        log = await delivery_log(session, TENANT, limit=500)
    assert Counter(a.outcome for a in log) == {Outcome.SENT: 40}
    assert {a.worker for a in log} <= {"replica-a", "replica-b"}


async def _wait_for(condition: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached")


def _start_worker(database_url: str, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.kit.notify.worker_process", database_url, SERVICE, str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "ECOHOST_ENVIRONMENT": "development"},
    )


async def test_a_worker_killed_mid_send_is_taken_over_and_each_email_arrives_once(
    database_url: str, db: Database, smtp: tuple[Mailbox, int]
):
    box, port = smtp
    items = [reminder(i) for i in range(5)]
    await _schedule(db, items)
    box.hold_rcpt = items[2].address  # the worker is killed while sending the third

    killed = _start_worker(database_url, port)
    try:
        assert await asyncio.to_thread(box.held.wait, 60)
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)
        assert killed.stdout is not None
        killed_name = killed.stdout.readline().strip()
    finally:
        if killed.poll() is None:
            killed.kill()
    async with db.transaction() as session:
        states = [await get_notification(session, n.key) for n in items]
    assert [s.status for s in states if s] == [Status.SENT] * 2 + [Status.SENDING] * 3
    assert {s.lease_owner for s in states[2:] if s} == {killed_name}
    box.hold_rcpt = None
    box.release.set()  # the held session ends without DATA: nothing was accepted

    restarted = _start_worker(database_url, port)
    try:

        async def all_sent() -> bool:
            async with db.transaction() as session:
                found = [await get_notification(session, n.key) for n in items]
            return all(f is not None and f.status is Status.SENT for f in found)

        await _wait_for(all_sent)
    finally:
        restarted.kill()
        restarted.wait(30)

    assert_each_arrived_once(box, items)
    async with db.transaction() as session:
        third = await delivery_log(session, TENANT, key=items[2].key)
        first = await delivery_log(session, TENANT, key=items[0].key)
    assert [(a.attempt, a.outcome) for a in reversed(third)] == [
        (1, Outcome.INTERRUPTED),
        (2, Outcome.SENT),
    ]
    assert [(a.attempt, a.outcome, a.worker) for a in first] == [(1, Outcome.SENT, killed_name)]


async def test_a_refused_recipient_fails_at_once_and_a_down_server_is_retried_with_backoff(
    db: Database, smtp: tuple[Mailbox, int]
):
    box, port = smtp
    refused, later = reminder(1), reminder(2)
    box.refuse.add(refused.address or "")
    await _schedule(db, [refused])
    settings = smtp_settings(port, max_attempts=2, backoff_base=60.0)
    assert await DeliveryWorker(db, [EmailTransport(settings)], settings).drain() == 1
    async with db.transaction() as session:
        row = await get_notification(session, refused.key)
    assert row is not None
    assert row.status is Status.FAILED
    assert row.attempts == 1
    assert row.last_error is not None
    assert "550" in row.last_error

    await _schedule(db, [later])
    down = smtp_settings(port + 1 if port < 65535 else port - 1, max_attempts=2, backoff_base=60.0)
    worker = DeliveryWorker(db, [EmailTransport(down)], down)
    assert await worker.drain() == 1  # tried once; the retry is due in 60 s
    async with db.transaction() as session:
        row = await get_notification(session, later.key)
        log = await delivery_log(session, TENANT, key=later.key)
    assert row is not None
    assert row.status is Status.PENDING
    assert row.attempts == 1
    assert [a.outcome for a in log] == [Outcome.RETRY]
    assert row.next_attempt_at == log[0].finished_at + timedelta(seconds=60)
    assert box.messages() == []


async def test_development_sinks_show_what_would_be_sent(db: Database, tmp_path: Path):
    items = [reminder(i) for i in range(2)]
    await _schedule(db, items)
    settings = NotifySettings(email_mode="maildir", maildir_path=str(tmp_path / "mail"))
    assert await DeliveryWorker(db, [EmailTransport(settings)], settings).drain() == 2
    box = mailbox.Maildir(tmp_path / "mail", create=False)
    written = [message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()]
    assert sorted(str(m["Subject"]) for m in written) == sorted(n.subject for n in items)
    assert sorted(str(m["To"]) for m in written) == sorted(str(n.address) for n in items)


def test_the_lease_must_outlive_a_send():
    with pytest.raises(ValueError, match="lease_seconds"):
        NotifySettings(lease_seconds=5, smtp_timeout=30)
