"""Notifications for the tests: Chinese text, one tenant's people, stable keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kit.notify import Channel, Notification, NotifySettings

TENANT = "agency:11111111-1111-1111-1111-111111111111"
OTHER_TENANT = "agency:22222222-2222-2222-2222-222222222222"


def reminder(
    i: int,
    *,
    channel: Channel = Channel.EMAIL,
    tenant: str = TENANT,
    address: str | None = None,
    lead: int = 7,
    due_at: datetime | None = None,
) -> Notification:
    """Person i's reminder that unit i's permit execution report is due in `lead` days."""
    person = f"person-{i:04d}"
    if address is None and channel is Channel.EMAIL:
        address = f"{person}@unit{i:04d}.example.cn"
    return Notification(
        key=f"occ-{i:04d}:{person}:{lead}:{channel}",
        tenant=tenant,
        recipient=person,
        channel=channel,
        address=address,
        subject=f"【提醒】排污许可证执行报告将于{lead}天后到期（单位{i:04d}）",
        body=f"尊敬的用户{i:04d}：\n单位{i:04d}的排污许可证年度执行报告须于1月31日前提交。\n",
        data={"occurrence": f"occ-{i:04d}", "unit": f"单位{i:04d}", "lead_days": lead},
        due_at=due_at or datetime.now(UTC) - timedelta(minutes=1),
    )


def webhook_settings(**overrides: object) -> NotifySettings:
    """Settings for webhook tests: short timeouts and backoffs, and private addresses
    allowed, since the test receiver listens on 127.0.0.1."""
    values: dict[str, object] = {
        "webhook_timeout": 5.0,
        "backoff_base": 0.05,
        "webhook_allow_private": True,
        **overrides,
    }
    return NotifySettings.model_validate(values)
