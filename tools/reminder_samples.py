"""Write what a reminder looks like to the people who get it, from the code that sends it:
the e-mail, the webhook JSON and the 钉钉/企业微信 robot message, into docs/samples/.

    .venv/bin/python -m tools.reminder_samples

The samples are a permit's annual execution report due in 7 days, for an invented unit.
Rerun after changing the wording (services/compliance/calendar/reminders.py) or the
formats (kit/notify)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from uuid import UUID

from kit.notify import Channel, NotifySettings, Status, build_email
from kit.notify.bots import bot_body
from kit.notify.repository import ScheduledNotification
from kit.notify.transports import webhook_body
from services.compliance.calendar.reminders import reminder_data, reminder_text
from services.compliance.models import Occurrence

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples"
UNIT = "深圳市绿源电镀有限公司"
# Fixed ids, so that rerunning changes a sample only when what is sent changes.
OCCURRENCE = UUID("0192f0c4-7a00-7000-8000-000000000001")
ENDPOINT = "0192f0c4-7a00-7000-8000-000000000002"
UNIT_ID = UUID("0192f0c4-7a00-7000-8000-000000000003")


def sample(channel: Channel, address: str) -> ScheduledNotification:
    occurrence = Occurrence(
        id=OCCURRENCE,
        unit_id=UNIT_ID,
        title_zh="排污许可证年度执行报告",
        period_label="2026",
        due_date=date(2027, 1, 31),
    )
    subject, body = reminder_text(occurrence, 7, UNIT)
    sent = datetime(2027, 1, 24, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    return ScheduledNotification(
        id=1,
        key=f"{occurrence.id}:engineer-zhang:7:{channel.value}",
        tenant="agency:00000000-0000-0000-0000-000000000001",
        recipient="engineer-zhang",
        channel=channel,
        address=address,
        subject=subject,
        body=body,
        data={**reminder_data(occurrence), "lead_days": 7},
        due_at=sent,
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=sent,
        lease_owner=None,
        lease_until=None,
        sent_at=None,
        last_error=None,
    )


def write(target: Path) -> None:
    settings = NotifySettings(mail_from="环保管家提醒 <reminders@agency.example.cn>")
    email = build_email(sample(Channel.EMAIL, "zhang.san@agency.example.cn"), settings)
    (target / "reminder-email.eml").write_bytes(bytes(email))
    # What the recipient's mail client shows: the headers decoded, the body as text.
    shown = BytesParser(policy=policy.default).parsebytes(bytes(email))
    lines = [f"{h}: {shown[h]}" for h in ("From", "To", "Date", "Subject")]
    body = shown.get_body(("plain",))
    assert body is not None
    (target / "reminder-email.txt").write_text(
        "\n".join(lines) + "\n\n" + body.get_content(), encoding="utf-8"
    )
    hook = json.loads(webhook_body(sample(Channel.WEBHOOK, ENDPOINT)))
    (target / "reminder-webhook.json").write_text(
        json.dumps(hook, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    robot = json.loads(bot_body(sample(Channel.WEBHOOK, ENDPOINT)))
    (target / "reminder-dingtalk-wecom.json").write_text(
        json.dumps(robot, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def main() -> None:
    write(SAMPLES)
    print(f"wrote reminder samples to {SAMPLES}")


if __name__ == "__main__":
    main()
