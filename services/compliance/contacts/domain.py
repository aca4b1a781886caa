"""Pure rules of reminder contacts: what an email address and a webhook URL must look
like, quiet hours as text. No I/O."""

from __future__ import annotations

import re
from datetime import time
from urllib.parse import urlsplit

from contracts.compliance.enums import WebhookFormat
from contracts.compliance.errors import InvalidEmailAddress, InvalidWebhookUrl
from contracts.core import ValidationFailed
from kit.notify import QuietHours
from kit.notify.addresses import literal_is_private

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_TLD = re.compile(r"^[A-Za-z]{2,63}$")


def email_address(raw: str) -> str:
    """One bare address `local@domain.tld`, the domain lower-cased; anything else (a
    display name, several addresses, a header break, an IP literal) is refused, since
    it would reach someone other than the person, or no one."""
    value = raw.strip()
    local, at, domain = value.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(value) > 254
        or len(local) > 64
        or not _LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or not _TLD.fullmatch(labels[-1])
    ):
        raise InvalidEmailAddress(
            "an email address is one address like name@example.cn", field="email"
        )
    return f"{local}@{domain.lower()}"


def bot_secret(format: WebhookFormat, raw: str) -> str:
    """Only a DingTalk robot takes a secret (its 加签 key); any other format refuses one
    rather than silently dropping what the admin typed."""
    value = raw.strip()
    if value and format is not WebhookFormat.DINGTALK:
        raise ValidationFailed("only a DingTalk robot takes a secret", field="bot_secret")
    return value


def webhook_url(
    raw: str, *, allow_http: bool, allow_private: bool = False, field: str = "webhook_url"
) -> str:
    """An https URL with a host and no credentials in it (they would be shown in the
    delivery log); http only where the service allows it (development, tests). A host
    that is a loopback, private or link-local address is refused unless allowed
    (kit/notify/addresses.py; names are checked again when delivered)."""
    value = raw.strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        host = None
        parts = urlsplit("")
    schemes = ("https", "http") if allow_http else ("https",)
    if (
        parts.scheme not in schemes
        or not host
        or parts.username is not None
        or parts.password is not None
        or parts.fragment
        or any(c.isspace() for c in value)
    ):
        raise InvalidWebhookUrl(
            "a webhook URL must be https://host/path, without credentials", field=field
        )
    if not allow_private and literal_is_private(host):
        raise InvalidWebhookUrl(
            "a webhook URL must point to a public address, not {host}",
            field=field,
            params={"host": host},
        )
    return value


def clock_text(value: time) -> str:
    return value.strftime("%H:%M")


def quiet_hours(start: str | None, end: str | None) -> QuietHours | None:
    """Stored "HH:MM" text back to QuietHours; None when not set."""
    if start is None or end is None:
        return None
    return QuietHours(start=time.fromisoformat(start), end=time.fromisoformat(end))
