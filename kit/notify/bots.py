"""Chat-bot webhooks: a 钉钉 (DingTalk) or 企业微信 (WeCom) group robot takes its own
message shape, not ecohost's signed JSON, and says whether it took a message in the
body of an HTTP 200 (`errcode`), not in the status.

Both get a plain-text message (`msgtype: text`): a unit's or a person's name is shown
as typed, never interpreted as markup. DingTalk's "加签" security signs the request URL
with the robot's secret (`timestamp` in ms and `sign` = base64 HMAC-SHA256 of
`<timestamp>\\n<secret>`); a robot secured by keywords or IP instead has no secret.
WeCom's robot is authorised by the `key` in its URL alone."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote_plus, urlsplit, urlunsplit

from kit.notify.domain import WebhookFormat
from kit.notify.repository import ScheduledNotification

BOT_FORMATS = frozenset({WebhookFormat.DINGTALK, WebhookFormat.WECOM})
TEXT_LIMIT_BYTES = 2000
"""UTF-8 bytes of a message: within WeCom's 2,048 for text (DingTalk takes 20,000), so a
long body is cut there, ending with …"""


def bot_text(subject: str, body: str) -> str:
    text = f"{subject}\n{body}".strip()
    encoded = text.encode()
    if len(encoded) <= TEXT_LIMIT_BYTES:
        return text
    # Cut on a character boundary, leaving room for the three bytes of the ellipsis.
    return encoded[: TEXT_LIMIT_BYTES - 3].decode(errors="ignore") + "…"


def bot_body(item: ScheduledNotification) -> bytes:
    message = {"msgtype": "text", "text": {"content": bot_text(item.subject, item.body)}}
    return json.dumps(message, ensure_ascii=False).encode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64 of HMAC-SHA256(secret, "<timestamp>\\n<secret>")."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def signed_dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The robot's URL with `timestamp` and `sign` added to its query (unchanged when
    the robot has no secret)."""
    if not secret:
        return url
    parts = urlsplit(url)
    signature = quote_plus(dingtalk_sign(secret, timestamp_ms))
    extra = f"timestamp={timestamp_ms}&sign={signature}"
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def bot_refusal(content: bytes) -> str | None:
    """Why a robot refused a message answered with HTTP 200, or None if it took it."""
    try:
        answer = json.loads(content)
    except ValueError:
        return "robot answered with no JSON"
    if not isinstance(answer, dict):
        return "robot answered with no JSON object"
    code = answer.get("errcode")
    if code == 0:
        return None
    return f"robot errcode {code}: {str(answer.get('errmsg', ''))[:200]}"
