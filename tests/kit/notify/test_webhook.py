"""Webhooks to a real local HTTP server: signed body, retries with exponential backoff,
bounded attempts, an endpoint disabled after repeated failure, all in the delivery log."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta

import pytest

from kit.db import Database
from kit.notify import (
    Channel,
    DeliveryWorker,
    Notification,
    Outcome,
    Status,
    WebhookEndpoint,
    WebhookTransport,
    delivery_log,
    get_notification,
    get_webhook,
    list_webhooks,
    register_webhook,
    schedule,
    set_webhook_enabled,
    transports,
    verify,
)
from kit.notify.addresses import Pinned, is_public, literal_is_private, pinned
from tests.kit.notify.factories import OTHER_TENANT, TENANT, reminder, webhook_settings
from tests.kit.notify.http_receiver import Receiver

SECRET = "s3cret-for-the-tests-0123456789abcdef"


async def _endpoint(db: Database, url: str, tenant: str = TENANT) -> WebhookEndpoint:
    async with db.transaction() as session:
        return await register_webhook(session, tenant, url, SECRET)


async def _schedule(db: Database, *items: Notification) -> None:
    async with db.transaction() as session:
        await schedule(session, list(items), quiet_hours=None)


async def _run_until_settled(worker: DeliveryWorker, db: Database, key: str) -> None:
    """Deliver, waiting out the (short) backoffs, until the row is sent or failed."""
    for _ in range(400):
        await worker.drain()
        async with db.transaction() as session:
            row = await get_notification(session, key)
        if row is not None and row.status in (Status.SENT, Status.FAILED):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not settled")


async def _attempts_logged(db: Database, key: str) -> int:
    async with db.transaction() as session:
        return len(await delivery_log(session, TENANT, key=key))


async def test_R6_1_2_a_webhook_carries_a_verifiable_signature_over_timestamp_and_body(
    db: Database, receiver: Receiver
):
    endpoint = await _endpoint(db, receiver.url)
    item = reminder(1, channel=Channel.WEBHOOK, address=str(endpoint.id))
    await _schedule(db, item)
    transport = WebhookTransport(db, webhook_settings())
    try:
        assert await DeliveryWorker(db, [transport], webhook_settings()).drain() == 1
    finally:
        await transport.aclose()
    [hit] = receiver.received()
    timestamp, signature = hit.headers["x-ecohost-timestamp"], hit.headers["x-ecohost-signature"]
    assert verify(SECRET, timestamp, hit.body, signature, now=time.time())
    assert not verify("another-secret-0123456789", timestamp, hit.body, signature, now=time.time())
    assert not verify(SECRET, timestamp, hit.body + b" ", signature, now=time.time())
    assert not verify(SECRET, timestamp, hit.body, signature, now=time.time() + 3600)
    assert hit.headers["x-ecohost-delivery"] == item.key
    assert json.loads(hit.body) == {
        "id": item.key,
        "tenant": TENANT,
        "recipient": "person-0001",
        "subject": item.subject,
        "body": item.body,
        "data": item.data,
        "due_at": item.due_at.isoformat(),
    }
    async with db.transaction() as session:
        log = await delivery_log(session, TENANT)
    assert [(a.notification_key, a.outcome, a.channel) for a in log] == [
        (item.key, Outcome.SENT, Channel.WEBHOOK)
    ]


async def test_a_failing_webhook_is_retried_with_exponential_backoff_then_delivered(
    db: Database, receiver: Receiver
):
    receiver.statuses = [500, 503]
    endpoint = await _endpoint(db, receiver.url)
    item = reminder(2, channel=Channel.WEBHOOK, address=str(endpoint.id))
    await _schedule(db, item)
    settings = webhook_settings(max_attempts=5)
    transport = WebhookTransport(db, settings)
    worker = DeliveryWorker(db, [transport], settings)
    backoffs: list[timedelta] = []
    try:
        for attempt in (1, 2):  # each failed attempt leaves the row pending until its backoff
            while await _attempts_logged(db, item.key) < attempt:
                await worker.run_once()  # one claim: at most one attempt
                await asyncio.sleep(0.01)
            async with db.transaction() as session:
                row = await get_notification(session, item.key)
                [last, *_] = await delivery_log(session, TENANT, key=item.key)
            assert row is not None
            assert row.status is Status.PENDING
            backoffs.append(row.next_attempt_at - last.finished_at)
        await _run_until_settled(worker, db, item.key)
    finally:
        await transport.aclose()
    assert backoffs == [timedelta(seconds=0.05), timedelta(seconds=0.1)]
    hits = receiver.received()
    assert len(hits) == 3
    assert {h.headers["x-ecohost-delivery"] for h in hits} == {item.key}
    assert {h.body for h in hits} == {hits[0].body}
    async with db.transaction() as session:
        log = await delivery_log(session, TENANT, key=item.key)
        after = await get_webhook(session, TENANT, endpoint.id)
    assert [(a.attempt, a.outcome, a.error) for a in reversed(log)] == [
        (1, Outcome.RETRY, "HTTP 500"),
        (2, Outcome.RETRY, "HTTP 503"),
        (3, Outcome.SENT, None),
    ]
    assert after is not None
    assert after.enabled
    assert after.consecutive_failures == 0


async def test_attempts_are_bounded_and_the_failure_is_visible(db: Database, receiver: Receiver):
    receiver.always = 500
    endpoint = await _endpoint(db, receiver.url)
    item = reminder(3, channel=Channel.WEBHOOK, address=str(endpoint.id))
    await _schedule(db, item)
    settings = webhook_settings(max_attempts=3)
    transport = WebhookTransport(db, settings)
    try:
        await _run_until_settled(DeliveryWorker(db, [transport], settings), db, item.key)
    finally:
        await transport.aclose()
    async with db.transaction() as session:
        row = await get_notification(session, item.key)
        log = await delivery_log(session, TENANT, key=item.key)
    assert row is not None
    assert row.status is Status.FAILED
    assert row.attempts == 3
    assert row.last_error == "HTTP 500"
    assert [a.outcome for a in reversed(log)] == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]
    assert len(receiver.received()) == 3


async def test_an_endpoint_is_disabled_after_repeated_failures_until_an_admin_enables_it(
    db: Database, receiver: Receiver
):
    receiver.always = 500
    endpoint = await _endpoint(db, receiver.url)
    first = reminder(4, channel=Channel.WEBHOOK, address=str(endpoint.id))
    await _schedule(db, first)
    settings = webhook_settings(max_attempts=10, webhook_disable_after=3)
    transport = WebhookTransport(db, settings)
    worker = DeliveryWorker(db, [transport], settings)
    try:
        await _run_until_settled(worker, db, first.key)
        async with db.transaction() as session:
            disabled = await get_webhook(session, TENANT, endpoint.id)
            row = await get_notification(session, first.key)
        assert disabled is not None
        assert not disabled.enabled
        assert disabled.consecutive_failures == 3
        assert disabled.disabled_at is not None
        assert row is not None
        assert row.status is Status.FAILED
        assert row.attempts == 3

        # While disabled nothing is posted: the next reminder fails at once, visibly.
        second = reminder(5, channel=Channel.WEBHOOK, address=str(endpoint.id))
        await _schedule(db, second)
        await worker.drain()
        async with db.transaction() as session:
            row = await get_notification(session, second.key)
        assert row is not None
        assert row.status is Status.FAILED
        assert row.last_error == "webhook endpoint is disabled"
        assert len(receiver.received()) == 3

        async with db.transaction() as session:
            assert await set_webhook_enabled(session, TENANT, endpoint.id, True)
        receiver.always = None
        third = reminder(6, channel=Channel.WEBHOOK, address=str(endpoint.id))
        await _schedule(db, third)
        await worker.drain()
    finally:
        await transport.aclose()
    async with db.transaction() as session:
        row = await get_notification(session, third.key)
        enabled = await get_webhook(session, TENANT, endpoint.id)
    assert row is not None
    assert row.status is Status.SENT
    assert enabled is not None
    assert enabled.enabled
    assert enabled.consecutive_failures == 0


async def test_another_tenants_endpoint_is_never_posted_to(db: Database, receiver: Receiver):
    theirs = await _endpoint(db, receiver.url, tenant=OTHER_TENANT)
    item = reminder(7, channel=Channel.WEBHOOK, address=str(theirs.id))  # our tenant's row
    await _schedule(db, item)
    transport = WebhookTransport(db, webhook_settings())
    try:
        await DeliveryWorker(db, [transport], webhook_settings()).drain()
    finally:
        await transport.aclose()
    async with db.transaction() as session:
        row = await get_notification(session, item.key)
        ours = await list_webhooks(session, TENANT)
        mine_by_id = await get_webhook(session, TENANT, theirs.id)
        log = await delivery_log(session, OTHER_TENANT)
    assert row is not None
    assert row.status is Status.FAILED
    assert row.last_error == "no such webhook endpoint"
    assert receiver.received() == []
    assert ours == []
    assert mine_by_id is None
    assert log == []


async def test_register_refuses_a_bad_url_or_a_short_secret(db: Database):
    async with db.transaction() as session:
        with pytest.raises(ValueError, match="http"):
            await register_webhook(session, TENANT, "ftp://example.cn/hook", SECRET)
        with pytest.raises(ValueError, match="16 bytes"):
            await register_webhook(session, TENANT, "https://example.cn/hook", "short")


async def test_a_webhook_to_a_private_address_is_refused_for_good_and_never_sent(
    db: Database, receiver: Receiver
):
    """No request forgery inward: without `webhook_allow_private` the worker refuses a
    host that resolves to loopback (the receiver's 127.0.0.1), permanently, and logs why."""
    endpoint = await _endpoint(db, receiver.url)
    item = reminder(7, channel=Channel.WEBHOOK, address=str(endpoint.id))
    await _schedule(db, item)
    settings = webhook_settings(webhook_allow_private=False)
    transport = WebhookTransport(db, settings)
    try:
        await DeliveryWorker(db, [transport], settings).drain()
    finally:
        await transport.aclose()
    assert receiver.received() == []
    async with db.transaction() as session:
        row = await get_notification(session, item.key)
        log = await delivery_log(session, TENANT, key=item.key)
    assert row is not None
    assert row.status == Status.FAILED
    [attempt] = log
    assert attempt.outcome == Outcome.FAILED
    assert "non-public address" in (attempt.error or "")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2400:3200::1", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # shared address space (CGNAT)
        ("::1", False),
        ("fd00::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
    ],
)
def test_only_public_addresses_are_public(address: str, public: bool):
    assert is_public(address) is public


def test_private_literals_and_localhost_are_refused_names_are_left_to_resolution():
    assert literal_is_private("127.0.0.1")
    assert literal_is_private("[::1]")
    assert literal_is_private("localhost")
    assert literal_is_private("api.localhost")
    assert not literal_is_private("8.8.8.8")
    assert not literal_is_private("oapi.dingtalk.com")


async def test_the_post_goes_to_the_address_that_was_checked_not_a_second_lookup(
    db: Database, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
):
    """DNS rebinding: a name checked public, then resolved again for the POST, could
    answer inward the second time. The POST goes to the checked address, naming the host
    in `Host` (and TLS). Here the resolver's one answer is the receiver's 127.0.0.1,
    taken as public for the test; the name is under `.invalid` (RFC 6761), which no real
    resolver answers, so the request arrives only if it was not looked up again."""
    port = receiver.url.split(":")[2].split("/")[0]
    host = f"hooks.rebind.invalid:{port}"
    looked_up: list[str] = []

    async def resolve(name: str, _port: int) -> list[str]:
        looked_up.append(name)
        return ["127.0.0.1"]

    monkeypatch.setattr(transports, "resolve", resolve)
    monkeypatch.setattr(transports, "is_public", lambda address: address == "127.0.0.1")
    endpoint = await _endpoint(db, f"http://{host}/hook")
    item = reminder(8, channel=Channel.WEBHOOK, address=str(endpoint.id))
    await _schedule(db, item)
    settings = webhook_settings(webhook_allow_private=False)
    transport = WebhookTransport(db, settings)
    try:
        assert await DeliveryWorker(db, [transport], settings).drain() == 1
    finally:
        await transport.aclose()
    [hit] = receiver.received()
    assert hit.headers["host"] == host
    assert looked_up == ["hooks.rebind.invalid"]
    async with db.transaction() as session:
        row = await get_notification(session, item.key)
    assert row is not None
    assert row.status == Status.SENT


def test_a_pinned_request_names_the_address_in_the_url_and_the_host_everywhere_else():
    https = pinned("https://oapi.example.cn/robot/send?access_token=t", "203.0.113.7")
    assert https == Pinned(
        "https://203.0.113.7/robot/send?access_token=t",
        {"Host": "oapi.example.cn", "Connection": "close"},
        {"sni_hostname": "oapi.example.cn"},  # SNI and the certificate's name
    )
    v6 = pinned("http://hooks.example.cn:8080/h", "2400:3200::1")
    assert v6 == Pinned(
        "http://[2400:3200::1]:8080/h", {"Host": "hooks.example.cn:8080", "Connection": "close"}, {}
    )
