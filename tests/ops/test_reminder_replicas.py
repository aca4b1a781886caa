"""Reminder emails with two replicas of the compliance service on one PostgreSQL, and one
replica SIGKILLed while its SMTP sessions are held at RCPT: the other replica takes its
rows over when their lease runs out, and every email arrives exactly once, to its own
recipient (6.1.2; kit.notify's guarantee, through the running service)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, token
from tests.infra.postgres import PostgresInfo
from tests.kit.notify.smtp_server import Mailbox, running_smtp_server
from tests.ops.replicas import Replicated, replicated_system

AGENCY = f"agency:{new_id()}"
ADMIN = token(AGENCY, "agency_admin", user="admin")
PM = token(AGENCY, "project_manager", user="pm")
FOLLOWER = token(AGENCY, "engineer", user="follower")
PM_MAIL, FOLLOWER_MAIL = "pm@replicas.example.cn", "follower@replicas.example.cn"
PERMITS = 12
"""Each permit's renewal falls due in 7 days: 12 × (pm email + in-app, follower email)."""
NO_QUIET = {"start": "00:00:00", "end": "00:00:00"}

SETTINGS = """
mutation($input: UpdateMyNotificationSettingsInput!) {
  updateMyNotificationSettings(input: $input) { __typename }
}"""
DEFAULTS = """
mutation($input: SetAgencyNotificationDefaultsInput!) {
  setAgencyNotificationDefaults(input: $input) { __typename }
}"""
REGISTER = """
mutation($input: RegisterPermitInput!) {
  registerPermit(input: $input) { __typename ... on Error { code } }
}"""


@pytest.fixture(scope="module")
def mail_replicas(
    postgres: PostgresInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Replicated, Mailbox]]:
    with running_smtp_server() as (mailbox, port):
        env = {
            "ECOHOST_COMPLIANCE_REMIND_AT": "00:00",
            "ECOHOST_COMPLIANCE_NOTIFY__EMAIL_MODE": "smtp",
            "ECOHOST_COMPLIANCE_NOTIFY__SMTP_HOST": "127.0.0.1",
            "ECOHOST_COMPLIANCE_NOTIFY__SMTP_PORT": str(port),
            "ECOHOST_COMPLIANCE_NOTIFY__SMTP_SECURITY": "none",
            "ECOHOST_COMPLIANCE_NOTIFY__POLL_INTERVAL": "0.2",
            # A send may take 10 s; a dead replica's rows are taken over 12 s after claim.
            "ECOHOST_COMPLIANCE_NOTIFY__SMTP_TIMEOUT": "10",
            "ECOHOST_COMPLIANCE_NOTIFY__WEBHOOK_TIMEOUT": "10",
            "ECOHOST_COMPLIANCE_NOTIFY__LEASE_SECONDS": "12",
            "ECOHOST_COMPLIANCE_NOTIFY__BACKOFF_BASE": "1",
            "ECOHOST_COMPLIANCE_NOTIFY__CONCURRENCY": "4",
        }
        data_dir = tmp_path_factory.mktemp("reminder-replicas")
        with replicated_system(data_dir, postgres, env=env) as running:
            yield running, mailbox


def gql(system: RunningSystem, query: str, variables: dict[str, Any], tok: str) -> Any:
    body = system.api.gql(query, variables, tok)
    assert "errors" not in body, body
    return body["data"]


def _registered(system: RunningSystem, permit: dict[str, Any]) -> bool:
    """The calendar learns the unit from events: the first permit may have to wait."""
    result = gql(system, REGISTER, {"input": permit}, PM)["registerPermit"]
    return bool(result["__typename"] == "PermitSuccess")


def _pid(worker: str) -> int:
    """`compliance:<host>:<pid>:<suffix>` (services/compliance/app.py)."""
    return int(worker.split(":")[2])


def test_R6_1_2_each_email_arrives_once_with_two_replicas_and_one_killed_mid_send(
    mail_replicas: tuple[Replicated, Mailbox],
):
    replicated, mailbox = mail_replicas
    system = replicated.system
    choice = {"channels": ["IN_APP", "EMAIL"], "leadDays": [7], "quietHours": NO_QUIET}
    assert gql(system, DEFAULTS, {"input": {"choice": choice}}, ADMIN)
    pm = gql(system, SETTINGS, {"input": {"email": PM_MAIL, "choice": choice}}, PM)
    assert pm["updateMyNotificationSettings"]["__typename"].endswith("Success")
    follower = {
        "email": FOLLOWER_MAIL,
        "remindAllUnits": True,
        "choice": {**choice, "channels": ["EMAIL"]},
    }
    assert gql(system, SETTINGS, {"input": follower}, FOLLOWER)["updateMyNotificationSettings"]
    # Every session delivering to the follower waits at RCPT until released.
    mailbox.hold_rcpt = FOLLOWER_MAIL

    unit = system.api.create_unit(ADMIN, name="双副本提醒测试单位")["unit"]
    valid_to = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=67)).isoformat()
    for n in range(PERMITS):
        permit = {
            "unitId": unit["id"],
            "number": f"REPLICA-{n:02d}-{new_id().hex[:8]}",
            "authority": "深圳市生态环境局",
            "category": "SIMPLIFIED",
            "validFrom": "2023-03-01",
            "validTo": valid_to,
        }
        eventually(partial(_registered, system, permit))

    assert mailbox.held.wait(60), "no session reached the held RCPT"

    async def holders() -> list[Any]:
        return await system.rows(
            "compliance",
            "select distinct lease_owner from notify_notifications "
            "where status = 'sending' and address = :a",
            a=FOLLOWER_MAIL,
        )

    owners = eventually(lambda: asyncio.run(holders()))
    victim_pid = _pid(owners[0][0])
    [victim] = [p for p in replicated.replicas["compliance"] if p.pid == victim_pid]
    victim.kill()
    mailbox.hold_rcpt = None
    mailbox.release.set()

    async def rows() -> list[Any]:
        return await system.rows(
            "compliance",
            "select key, channel, address, status from notify_notifications order by key",
        )

    def all_sent() -> list[Any] | None:
        found = asyncio.run(rows())
        if len(found) == 3 * PERMITS and all(r[3] == "sent" for r in found):
            return found
        return None

    sent = eventually(all_sent, timeout=120)
    emails = {key: address for key, channel, address, _ in sent if channel == "email"}
    assert sorted(Counter(emails.values()).items()) == [
        (FOLLOWER_MAIL, PERMITS),
        (PM_MAIL, PERMITS),
    ]

    # Each email arrived exactly once, to its own recipient only.
    received = mailbox.messages()
    keys = Counter(str(m.message["X-Ecohost-Notification"]) for m in received)
    assert keys == Counter(dict.fromkeys(emails, 1))
    for message in received:
        key = str(message.message["X-Ecohost-Notification"])
        assert message.rcpt_tos == [emails[key]]
        assert str(message.message["To"]) == emails[key]
        assert message.subject.startswith(
            "【7天后到期】双副本提醒测试单位：排污许可证延续申请（REPLICA-"
        )

    # The killed replica's attempts were taken over by the other one, which logged them
    # as interrupted and sent them.
    async def interrupted() -> list[Any]:
        return await system.rows(
            "compliance",
            "select worker, error from notify_deliveries where outcome = 'interrupted'",
        )

    lost = asyncio.run(interrupted())
    assert lost, "the killed replica held rows mid-send"
    [survivor] = [p for p in replicated.replicas["compliance"] if p is not victim]
    assert {(_pid(w), e) for w, e in lost} == {
        (survivor.pid, "its worker stopped before finishing (lease expired)")
    }
