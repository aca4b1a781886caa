"""How a notification leaves: email (SMTP, or a development sink), webhook (signed
HTTP POST) and in-app (an event in the service's outbox).

A transport raises `DeliveryError` for a failure it understands (`permanent` when
retrying cannot help); any other exception counts as a transient failure."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import mailbox
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable
from urllib.parse import urlsplit
from uuid import UUID

import aiosmtplib
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from kit.db import Database
from kit.ids import new_id
from kit.logging import get_logger
from kit.messaging import MessagingTables
from kit.notify import repository
from kit.notify.addresses import Pinned, is_public, literal_is_private, pinned, resolve
from kit.notify.bots import BOT_FORMATS, bot_body, bot_refusal, signed_dingtalk_url
from kit.notify.domain import Channel, WebhookEndpoint, WebhookFormat
from kit.notify.repository import ScheduledNotification
from kit.notify.settings import NotifySettings
from kit.outbox import record_event

log = get_logger(__name__)

SIGNATURE_HEADER = "X-Ecohost-Signature"
TIMESTAMP_HEADER = "X-Ecohost-Timestamp"
DELIVERY_HEADER = "X-Ecohost-Delivery"


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    channel: ClassVar[Channel]

    async def send(self, item: ScheduledNotification) -> None:
        """Deliver `item` outside any transaction, or raise."""


@runtime_checkable
class InTransactionTransport(Protocol):
    channel: ClassVar[Channel]

    async def send_in(self, session: AsyncSession, item: ScheduledNotification) -> None:
        """Deliver `item` inside the transaction that marks it sent (exactly once)."""


# --- email ------------------------------------------------------------------------------


def message_id(key: str, domain: str) -> str:
    """The same Message-ID for every attempt of one notification: a copy resent after
    a crash in the window between the server's acceptance and our record of it is
    recognisably the same message (mail clients and archives collapse it)."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def build_email(item: ScheduledNotification, settings: NotifySettings) -> EmailMessage:
    """One message to one address: nobody else's data can be in it. The default email
    policy encodes the Chinese subject as RFC 2047 UTF-8 and the body as UTF-8."""
    if not item.address:
        raise DeliveryError("an email notification needs an address", permanent=True)
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = item.address
    msg["Subject"] = item.subject
    msg["Message-ID"] = message_id(item.key, settings.message_id_domain)
    msg["Date"] = format_datetime(item.due_at)
    msg["X-Ecohost-Notification"] = item.key
    msg.set_content(item.body, charset="utf-8")
    return msg


class EmailTransport:
    channel: ClassVar[Channel] = Channel.EMAIL

    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings
        self._maildir: mailbox.Maildir | None = None
        if settings.email_mode == "maildir":
            # Made once here: concurrent sends creating it would race.
            self._maildir = mailbox.Maildir(Path(settings.maildir_path), create=True)

    async def send(self, item: ScheduledNotification) -> None:
        msg = build_email(item, self._settings)
        mode = self._settings.email_mode
        if mode == "smtp":
            await self._smtp(msg)
        elif mode == "maildir":
            await asyncio.to_thread(self._to_maildir, msg)
        else:
            log.info(
                "notify.email.console",
                to=item.address,
                subject=item.subject,
                body=item.body,
                message_id=msg["Message-ID"],
            )

    async def _smtp(self, msg: EmailMessage) -> None:
        s = self._settings
        try:
            await aiosmtplib.send(
                msg,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc}", permanent=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # 5xx: the server will say the same next time.
            raise DeliveryError(
                f"SMTP {exc.code}: {exc.message}", permanent=500 <= exc.code < 600
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {exc or type(exc).__name__}") from exc

    def _to_maildir(self, msg: EmailMessage) -> None:
        assert self._maildir is not None
        self._maildir.add(msg)
        log.info("notify.email.maildir", to=msg["To"], path=self._settings.maildir_path)


# --- webhook ----------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>` (the receiver recomputes it
    and refuses an old timestamp, so a captured request cannot be replayed later)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance: float = 300.0,
) -> bool:
    """What a receiver does (see docs/notifications.md); used by the tests."""
    try:
        fresh = abs(now - int(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def webhook_body(item: ScheduledNotification) -> bytes:
    return json.dumps(
        {
            "id": item.key,
            "tenant": item.tenant,
            "recipient": item.recipient,
            "subject": item.subject,
            "body": item.body,
            "data": item.data,
            "due_at": item.due_at.isoformat(),
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


def _request(
    endpoint: WebhookEndpoint, item: ScheduledNotification
) -> tuple[str, bytes, dict[str, str]]:
    """URL, body and headers of one attempt, in the endpoint's format."""
    if endpoint.format is WebhookFormat.ECOHOST:
        body = webhook_body(item)
        timestamp = str(int(time.time()))
        return (
            endpoint.url,
            body,
            {
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
                # The same on every attempt: a receiver drops a repeat it already has.
                DELIVERY_HEADER: item.key,
            },
        )
    url = endpoint.url
    if endpoint.format is WebhookFormat.DINGTALK:
        url = signed_dingtalk_url(url, endpoint.secret, int(time.time() * 1000))
    return url, bot_body(item), {"Content-Type": "application/json; charset=utf-8"}


class WebhookTransport:
    """POSTs the notification as JSON to the tenant's endpoint (the notification's
    `address` is the endpoint id). Failures count against the endpoint, which is
    disabled after `webhook_disable_after` in a row; retries are the worker's
    (persistent, with exponential backoff)."""

    channel: ClassVar[Channel] = Channel.WEBHOOK

    def __init__(
        self, db: Database, settings: NotifySettings, *, client: httpx.AsyncClient | None = None
    ) -> None:
        self._db = db
        self._settings = settings
        self._client = client or httpx.AsyncClient(timeout=settings.webhook_timeout)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, item: ScheduledNotification) -> None:
        try:
            endpoint_id = UUID(item.address or "")
        except ValueError as exc:
            raise DeliveryError("address is not a webhook endpoint id", permanent=True) from exc
        async with self._db.transaction() as session:
            endpoint = await repository.get_webhook(session, item.tenant, endpoint_id)
        if endpoint is None:
            raise DeliveryError("no such webhook endpoint", permanent=True)
        if not endpoint.enabled:
            raise DeliveryError("webhook endpoint is disabled", permanent=True)
        url, body, headers = _request(endpoint, item)
        target = await self._target(url)
        extensions: dict[str, Any] = {}
        if target is not None:
            url, extensions = target.url, target.extensions
            headers = {**headers, **target.headers}
        error: str | None = None
        try:
            response = await self._client.post(
                url, content=body, headers=headers, extensions=extensions
            )
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
            elif endpoint.format in BOT_FORMATS:
                error = bot_refusal(response.content)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        async with self._db.transaction() as session:
            disabled = await repository.record_webhook_result(
                session,
                endpoint_id,
                error=error,
                disable_after=self._settings.webhook_disable_after,
                now=_now(),
            )
        if error is not None:
            if disabled:
                log.warning("notify.webhook.disabled", endpoint=str(endpoint_id), error=error)
            raise DeliveryError(error, permanent=disabled)

    async def _target(self, url: str) -> Pinned | None:
        """Where to POST: the first address `url`'s host resolves to, once every one is
        checked public (refused for good otherwise); None to let the client resolve
        (development and tests, which allow private addresses)."""
        if self._settings.webhook_allow_private:
            return None
        parts = urlsplit(url)
        host = parts.hostname or ""
        if literal_is_private(host):
            raise DeliveryError(f"webhook host {host} is a non-public address", permanent=True)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise DeliveryError(f"cannot resolve {host}: {exc}") from exc
        if not addresses or not all(is_public(a) for a in addresses):
            raise DeliveryError(
                f"webhook host {host} resolves to a non-public address", permanent=True
            )
        return pinned(url, addresses[0])


# --- in-app -----------------------------------------------------------------------------


class InAppNotified(EventEnvelope):
    """`<service>.notification.v1`: a person has a new in-app notification. `data`
    holds key, recipient, subject, body, data and due_at; the gateway relays it to the
    recipient's subscription."""


class InAppTransport:
    """Records an event in the service's outbox in the same transaction that marks the
    notification sent, so it is published exactly once (the outbox relay dedupes)."""

    channel: ClassVar[Channel] = Channel.IN_APP

    def __init__(self, tables: MessagingTables, *, service: str) -> None:
        self._tables = tables
        self._type = f"{service}.notification.v1"
        self._actor = f"system:{service}"

    async def send_in(self, session: AsyncSession, item: ScheduledNotification) -> None:
        data: dict[str, Any] = {
            "key": item.key,
            "recipient": item.recipient,
            "subject": item.subject,
            "body": item.body,
            "data": item.data,
            "due_at": item.due_at.isoformat(),
        }
        event = InAppNotified(
            event_id=new_id(),
            type=self._type,
            occurred_at=_now(),
            actor=self._actor,
            tenant=item.tenant,
            correlation_id=f"notify:{item.key}"[:64],
            data=data,
        )
        await record_event(session, self._tables, event)


def _now() -> datetime:
    return datetime.now(UTC)


__all__ = [
    "DeliveryError",
    "EmailTransport",
    "InAppTransport",
    "InTransactionTransport",
    "Transport",
    "WebhookTransport",
    "build_email",
    "message_id",
    "sign",
    "verify",
]
