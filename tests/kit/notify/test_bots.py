"""R6_1_2: reminders to 钉钉 (DingTalk) and 企业微信 (WeCom) group robots, posted to a
real local HTTP server: the robot's own text message, DingTalk's 加签 on the URL, and a
refusal the robot gives in an HTTP 200 (`errcode`) counted as a failed attempt."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs

import pytest

from kit.db import Database
from kit.notify import (
    Channel,
    DeliveryWorker,
    Outcome,
    Status,
    WebhookFormat,
    WebhookTransport,
    delivery_log,
    get_notification,
    get_webhook,
    register_webhook,
    schedule,
)
from kit.notify.bots import TEXT_LIMIT_BYTES, bot_text
from tests.kit.notify.factories import TENANT, reminder, webhook_settings
from tests.kit.notify.http_receiver import Receiver

DINGTALK_SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
OK = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()


async def _deliver_one(db: Database, url: str, fmt: WebhookFormat, secret: str, i: int) -> str:
    async with db.transaction() as session:
        endpoint = await register_webhook(session, TENANT, url, secret, fmt)
        item = reminder(i, channel=Channel.WEBHOOK, address=str(endpoint.id))
        await schedule(session, [item], quiet_hours=None)
    transport = WebhookTransport(db, webhook_settings())
    try:
        assert await DeliveryWorker(db, [transport], webhook_settings()).drain() == 1
    finally:
        await transport.aclose()
    return item.key


async def test_R6_1_2_a_dingtalk_robot_gets_a_text_message_signed_on_its_url(
    db: Database, receiver: Receiver
):
    receiver.answers = [OK]
    started_ms = int(time.time() * 1000)
    url = receiver.url + "?access_token=robot-token"
    key = await _deliver_one(db, url, WebhookFormat.DINGTALK, DINGTALK_SECRET, 1)
    [hit] = receiver.received()
    item = reminder(1)
    assert json.loads(hit.body) == {
        "msgtype": "text",
        "text": {"content": f"{item.subject}\n{item.body}".strip()},
    }
    query = parse_qs(hit.query)
    assert query["access_token"] == ["robot-token"]
    [timestamp] = query["timestamp"]
    assert started_ms <= int(timestamp) <= int(time.time() * 1000)
    # What DingTalk recomputes: base64 HMAC-SHA256 of "<timestamp>\n<secret>".
    mac = hmac.new(
        DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
    )
    assert query["sign"] == [base64.b64encode(mac.digest()).decode()]
    assert "x-ecohost-signature" not in hit.headers  # ecohost's own signature is not theirs
    async with db.transaction() as session:
        assert (await get_notification(session, key)).status is Status.SENT  # type: ignore[union-attr]


async def test_R6_1_2_a_dingtalk_robot_without_a_secret_gets_its_url_unchanged(
    db: Database, receiver: Receiver
):
    receiver.answers = [OK]
    url = receiver.url + "?access_token=robot-token"
    await _deliver_one(db, url, WebhookFormat.DINGTALK, "", 2)
    [hit] = receiver.received()
    assert hit.query == "access_token=robot-token"


async def test_R6_1_2_a_wecom_robot_gets_a_text_message_and_no_signature(
    db: Database, receiver: Receiver
):
    receiver.answers = [OK]
    await _deliver_one(db, receiver.url + "?key=robot-key", WebhookFormat.WECOM, "", 3)
    [hit] = receiver.received()
    item = reminder(3)
    assert hit.query == "key=robot-key"
    assert json.loads(hit.body)["text"]["content"] == f"{item.subject}\n{item.body}".strip()
    assert not {h for h in hit.headers if h.startswith("x-ecohost")}


async def test_a_robots_refusal_in_an_http_200_is_a_failed_attempt_then_retried(
    db: Database, receiver: Receiver
):
    # Robots answer 200 with an errcode: 310000 is DingTalk's "sign mismatch",
    # 45009 WeCom's rate limit.
    refusal = json.dumps({"errcode": 310000, "errmsg": "sign not match"}).encode()
    receiver.answers = [refusal, OK]
    async with db.transaction() as session:
        endpoint = await register_webhook(
            session, TENANT, receiver.url, DINGTALK_SECRET, WebhookFormat.DINGTALK
        )
        item = reminder(4, channel=Channel.WEBHOOK, address=str(endpoint.id))
        await schedule(session, [item], quiet_hours=None)
    settings = webhook_settings(max_attempts=3)
    transport = WebhookTransport(db, settings)
    worker = DeliveryWorker(db, [transport], settings)
    try:
        for _ in range(400):
            await worker.drain()
            async with db.transaction() as session:
                row = await get_notification(session, item.key)
            if row is not None and row.status is Status.SENT:
                break
            await asyncio.sleep(0.02)
    finally:
        await transport.aclose()
    async with db.transaction() as session:
        log = await delivery_log(session, TENANT, key=item.key)
        after = await get_webhook(session, TENANT, endpoint.id)
    assert [(a.outcome, a.error) for a in sorted(log, key=lambda a: a.id)] == [
        (Outcome.RETRY, "robot errcode 310000: sign not match"),
        (Outcome.SENT, None),
    ]
    assert after is not None
    assert (after.consecutive_failures, after.enabled) == (0, True)
    assert len(receiver.received()) == 2


async def test_register_keeps_each_formats_secret_rules(db: Database):
    async with db.transaction() as session:
        with pytest.raises(ValueError, match="WeCom"):
            await register_webhook(
                session, TENANT, "https://example.cn/h", "x" * 20, WebhookFormat.WECOM
            )
        with pytest.raises(ValueError, match="16 bytes"):
            await register_webhook(session, TENANT, "https://example.cn/h", "short")
        robot = await register_webhook(
            session, TENANT, "https://example.cn/h", "", WebhookFormat.DINGTALK
        )
        assert robot.format is WebhookFormat.DINGTALK


def test_a_long_message_is_cut_within_the_robots_limit_on_a_character_boundary():
    item = reminder(5)
    body = "排污许可证" * 1000
    text = bot_text(item.subject, body)
    assert len(text.encode()) <= TEXT_LIMIT_BYTES
    assert text.endswith("…")
    assert f"{item.subject}\n{body}".startswith(text[:-1])  # whole characters only
    assert bot_text(item.subject, item.body) == f"{item.subject}\n{item.body}".strip()
