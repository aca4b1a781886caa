"""Reminders that reach people, end to end through GraphQL on the running system (SQLite
and PostgreSQL), with a real SMTP server (aiosmtpd) and a real webhook receiver
(uvicorn): people set their addresses and channels, an agency admin its defaults and
webhooks; registering a permit whose renewal falls due makes the compliance service
email the people responsible, once each, in Chinese, with no one else's data (6.1.2)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from websockets.asyncio.client import connect

from kit.ids import new_id
from kit.notify import verify
from tests.e2e.conftest import pg_urls, start_system
from tests.e2e.harness import RunningSystem, eventually, token
from tests.kit.notify.http_receiver import Receiver, running_receiver
from tests.kit.notify.smtp_server import Mailbox, Received, running_smtp_server

SHANGHAI = ZoneInfo("Asia/Shanghai")
AGENCY = str(new_id())
TENANT = f"agency:{AGENCY}"
ADMIN = token(TENANT, "agency_admin", user="admin")
PM = token(TENANT, "project_manager", user="pm")
FOLLOWER = token(TENANT, "engineer", user="follower")
BYSTANDER = token(TENANT, "engineer", user="bystander")
OTHER_AGENCY = f"agency:{new_id()}"
OTHER_PM = token(OTHER_AGENCY, "project_manager", user="pm")
OTHER_ADMIN = token(OTHER_AGENCY, "agency_admin", user="admin")

PM_MAIL, FOLLOWER_MAIL = "pm@agency.example.cn", "follower@agency.example.cn"
BYSTANDER_MAIL, OTHER_MAIL = "bystander@agency.example.cn", "pm@other.example.cn"

SETTINGS_FIELDS = """
email webhookUrl webhookEnabled remindAllUnits channels leadDays source
quietHours { start end }
"""
UPDATE = f"""
mutation($input: UpdateMyNotificationSettingsInput!) {{
  updateMyNotificationSettings(input: $input) {{
    __typename
    ... on NotificationSettingsSuccess {{ webhookSecret settings {{ {SETTINGS_FIELDS} }} }}
    ... on ChannelWithoutAddress {{ field channel }}
    ... on InvalidEmailAddress {{ field }}
    ... on InvalidWebhookUrl {{ field }}
    ... on ValidationError {{ field }}
    ... on Error {{ code message }}
  }}
}}"""
MINE = f"query {{ myNotificationSettings {{ {SETTINGS_FIELDS} }} }}"
DEFAULTS = """
mutation($input: SetAgencyNotificationDefaultsInput!) {
  setAgencyNotificationDefaults(input: $input) {
    __typename
    ... on AgencyNotificationDefaultsSuccess {
      defaults { channels leadDays source quietHours { start end } } }
    ... on Error { code message }
  }
}"""
AGENCY_DEFAULTS = "query { agencyNotificationDefaults { channels leadDays source } }"
HOOK = """
mutation($input: RegisterAgencyWebhookInput!) {
  registerAgencyWebhook(input: $input) {
    __typename
    ... on RegisterAgencyWebhookSuccess { secret webhook { id url enabled } }
    ... on InvalidWebhookUrl { field }
    ... on Error { code message }
  }
}"""
ENABLE = """
mutation($input: SetAgencyWebhookEnabledInput!) {
  setAgencyWebhookEnabled(input: $input) {
    __typename
    ... on NotificationWebhookSuccess { webhook { id enabled consecutiveFailures } }
    ... on Error { code message }
  }
}"""
HOOKS = "query { agencyWebhooks { id url enabled } }"
LOG = """
query($before: Int) {
  notificationDeliveryLog(first: 200, before: $before) {
    hasNext
    items { id notificationKey recipient channel address attempt outcome error }
  }
}"""
REGISTER = """
mutation($input: RegisterPermitInput!) {
  registerPermit(input: $input) { __typename ... on Error { code message } }
}"""
RENEWAL = """
query($unit: ID) {
  complianceCalendar(unitId: $unit, kinds: [PERMIT_RENEWAL], first: 10) {
    edges { node { id dueDate periodLabel } }
  }
}"""
STOPPAGE = """
mutation($input: RecordStoppageInput!) { recordStoppage(input: $input) { __typename } }"""


def today() -> date:
    return datetime.now(SHANGHAI).date()


def gql(system: RunningSystem, query: str, variables: dict[str, Any], tok: str) -> dict[str, Any]:
    body = system.api.gql(query, variables, tok)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def update(system: RunningSystem, tok: str, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql(system, UPDATE, {"input": fields}, tok)[
        "updateMyNotificationSettings"
    ]
    return result


def raw_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def reminders(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningSystem, Mailbox, Receiver]]:
    """The system with SMTP on, pointed at an aiosmtpd server of this test, and a
    webhook receiver. Reminders of a day fall due at 00:00 Shanghai time (so that today's
    have always fallen due, whenever the test runs)."""
    data_dir = tmp_path_factory.mktemp(f"reminders-{request.param}")
    urls: dict[str, str] = {}
    if request.param == "postgresql":
        urls = pg_urls(
            request.getfixturevalue("postgres"), f"e2e_{data_dir.name.replace('-', '_')}"
        )
    with running_smtp_server() as (mailbox, port), running_receiver() as receiver:
        env = {
            "ECOHOST_COMPLIANCE_REMIND_AT": "00:00",
            "ECOHOST_COMPLIANCE_WEBHOOK_ALLOW_HTTP": "true",
            # The test's receiver listens on 127.0.0.1.
            "ECOHOST_COMPLIANCE_NOTIFY__WEBHOOK_ALLOW_PRIVATE": "true",
            "ECOHOST_COMPLIANCE_NOTIFY__EMAIL_MODE": "smtp",
            "ECOHOST_COMPLIANCE_NOTIFY__SMTP_HOST": "127.0.0.1",
            "ECOHOST_COMPLIANCE_NOTIFY__SMTP_PORT": str(port),
            "ECOHOST_COMPLIANCE_NOTIFY__SMTP_SECURITY": "none",
            "ECOHOST_COMPLIANCE_NOTIFY__POLL_INTERVAL": "0.2",
        }
        yield from ((system, mailbox, receiver) for system in start_system(data_dir, urls, env=env))


def test_R6_1_2_settings_are_validated_with_typed_errors(
    reminders: tuple[RunningSystem, Mailbox, Receiver],
):
    system, _, _ = reminders
    bad = update(system, BYSTANDER, email="张三 <zs@example.cn>")
    assert (bad["__typename"], bad["field"]) == ("InvalidEmailAddress", "email")
    assert bad["message"] == "请填写一个有效的邮箱地址，例如 name@example.cn"
    english = system.api.client.post(
        system.api.url + "/graphql",
        json={"query": UPDATE, "variables": {"input": {"email": "a@b"}}},
        headers={"authorization": f"Bearer {BYSTANDER}", "accept-language": "en"},
    ).json()["data"]["updateMyNotificationSettings"]
    assert english["message"] == "Give one email address, such as name@example.cn"
    no_address = update(system, BYSTANDER, choice={"channels": ["EMAIL"], "leadDays": [7]})
    assert no_address["__typename"] == "ChannelWithoutAddress"
    assert (no_address["field"], no_address["channel"]) == ("email", "email")
    for url in ("ftp://hooks.example.cn/x", "https://user:pw@hooks.example.cn/x", "https://"):
        refused = update(system, BYSTANDER, webhookUrl=url)
        assert (refused["__typename"], refused["field"]) == ("InvalidWebhookUrl", "webhookUrl")
    leads = update(system, BYSTANDER, choice={"channels": ["IN_APP"], "leadDays": [401]})
    assert (leads["__typename"], leads["field"]) == ("ValidationError", "choice.leadDays")
    # Nothing was written by the refusals.
    mine = gql(system, MINE, {}, BYSTANDER)["myNotificationSettings"]
    assert mine == {
        "email": None,
        "webhookUrl": None,
        "webhookEnabled": None,
        "remindAllUnits": False,
        "channels": ["IN_APP", "EMAIL"],
        "leadDays": [30, 7, 1, 0],
        "source": "library",
        "quietHours": {"start": "22:00:00", "end": "08:00:00"},
    }
    # The domain is lower-cased, the local part kept.
    ok = update(system, BYSTANDER, email=f" {BYSTANDER_MAIL.upper()} ")
    assert ok["settings"]["email"] == "BYSTANDER@agency.example.cn"
    assert update(system, BYSTANDER, email=BYSTANDER_MAIL)["settings"]["email"] == BYSTANDER_MAIL
    # Someone outside an agency (a unit's viewer) has no reminder settings.
    viewer = token(f"unit:{new_id()}", "client_viewer")
    assert gql(system, MINE, {}, viewer)["myNotificationSettings"] is None


def test_agency_defaults_apply_to_people_who_have_not_chosen(
    reminders: tuple[RunningSystem, Mailbox, Receiver],
):
    system, _, _ = reminders
    agency = f"agency:{new_id()}"
    admin, person = token(agency, "agency_admin"), token(agency, "engineer", user="someone")
    choice = {
        "channels": ["IN_APP", "IN_APP"],
        "leadDays": [3, 14, -2],
        "quietHours": {"start": "21:00:00", "end": "07:30:00"},
    }
    assert (
        gql(system, DEFAULTS, {"input": {"choice": choice}}, person)[
            "setAgencyNotificationDefaults"
        ]["__typename"]
        == "NotAuthorized"
    )
    set_ = gql(system, DEFAULTS, {"input": {"choice": choice}}, admin)[
        "setAgencyNotificationDefaults"
    ]
    assert set_["defaults"] == {
        "channels": ["IN_APP"],
        "leadDays": [14, 3, -2],
        "source": "tenant",
        "quietHours": {"start": "21:00:00", "end": "07:30:00"},
    }
    mine = gql(system, MINE, {}, person)["myNotificationSettings"]
    assert (mine["channels"], mine["leadDays"], mine["source"]) == (
        ["IN_APP"],
        [14, 3, -2],
        "tenant",
    )
    assert mine["quietHours"] == {"start": "21:00:00", "end": "07:30:00"}
    # Another agency's people keep the library's defaults; its admin sees its own.
    other = gql(system, AGENCY_DEFAULTS, {}, OTHER_ADMIN)["agencyNotificationDefaults"]
    assert other == {
        "channels": ["IN_APP", "EMAIL"],
        "leadDays": [30, 7, 1, 0],
        "source": "library",
    }


def test_agency_webhooks_are_the_admins_and_people_keep_their_own(
    reminders: tuple[RunningSystem, Mailbox, Receiver],
):
    system, _, _ = reminders
    agency = f"agency:{new_id()}"
    admin = token(agency, "agency_admin")
    person = token(agency, "engineer", user="hooked")
    refused = gql(system, HOOK, {"input": {"url": "javascript:alert(1)"}}, admin)
    refusal = refused["registerAgencyWebhook"]
    assert (refusal["__typename"], refusal["field"]) == ("InvalidWebhookUrl", "url")
    assert refusal["message"] == "Webhook 地址须为 https://主机/路径，且不得包含用户名或密码"
    hook = gql(system, HOOK, {"input": {"url": "https://oapi.example.cn/robot/send"}}, admin)[
        "registerAgencyWebhook"
    ]
    assert len(hook["secret"]) >= 32
    own = update(system, person, webhookUrl="https://qyapi.example.cn/webhook/send")
    assert own["webhookSecret"]
    assert own["settings"]["webhookEnabled"] is True
    # The agency's list holds its own endpoint only, not the person's.
    assert gql(system, HOOKS, {}, admin)["agencyWebhooks"] == [hook["webhook"]]
    assert gql(system, HOOKS, {}, OTHER_ADMIN)["agencyWebhooks"] == []
    webhook_id = hook["webhook"]["id"]
    off = gql(system, ENABLE, {"input": {"webhookId": webhook_id, "enabled": False}}, admin)
    assert off["setAgencyWebhookEnabled"]["webhook"]["enabled"] is False
    on = gql(system, ENABLE, {"input": {"webhookId": webhook_id, "enabled": True}}, admin)
    assert on["setAgencyWebhookEnabled"]["webhook"] == {
        "id": webhook_id,
        "enabled": True,
        "consecutiveFailures": 0,
    }
    # Another agency's admin cannot reach it: not found, and it stays as it was.
    theirs = gql(
        system, ENABLE, {"input": {"webhookId": webhook_id, "enabled": False}}, OTHER_ADMIN
    )
    assert theirs["setAgencyWebhookEnabled"]["code"] == "webhook_endpoint_not_found"
    assert gql(system, HOOKS, {}, admin)["agencyWebhooks"][0]["enabled"] is True
    # Setting the same personal URL again keeps the endpoint (no new secret).
    again = update(system, person, webhookUrl="https://qyapi.example.cn/webhook/send")
    assert again["webhookSecret"] is None


ROBOT_HOOK = """
mutation($input: RegisterAgencyWebhookInput!) {
  registerAgencyWebhook(input: $input) {
    __typename
    ... on RegisterAgencyWebhookSuccess { secret webhook { url format enabled } }
    ... on ValidationError { field }
    ... on Error { code message }
  }
}"""


def test_R6_1_2_an_agency_registers_dingtalk_and_wecom_robots(
    reminders: tuple[RunningSystem, Mailbox, Receiver],
):
    system, _, _ = reminders
    admin = token(f"agency:{new_id()}", "agency_admin")
    dingtalk = "https://oapi.example.cn/robot/send?access_token=t0k3n"
    robot = gql(
        system,
        ROBOT_HOOK,
        {"input": {"url": dingtalk, "format": "DINGTALK", "botSecret": "SEC" + "a" * 61}},
        admin,
    )["registerAgencyWebhook"]
    # The robot checks its own 加签 secret: ecohost shows none, and never echoes it.
    assert robot == {
        "__typename": "RegisterAgencyWebhookSuccess",
        "secret": None,
        "webhook": {"url": dingtalk, "format": "DINGTALK", "enabled": True},
    }
    wecom = "https://qyapi.example.cn/cgi-bin/webhook/send?key=k3y"
    refused = gql(
        system,
        ROBOT_HOOK,
        {"input": {"url": wecom, "format": "WECOM", "botSecret": "SECxyz"}},
        admin,
    )["registerAgencyWebhook"]
    assert (refused["__typename"], refused["field"], refused["message"]) == (
        "ValidationError",
        "botSecret",
        "只有钉钉机器人需要填写加签密钥",
    )
    gql(system, ROBOT_HOOK, {"input": {"url": wecom, "format": "WECOM"}}, admin)
    listed = gql(system, "query { agencyWebhooks { url format } }", {}, admin)
    assert sorted(h["format"] for h in listed["agencyWebhooks"]) == ["DINGTALK", "WECOM"]


def _renewal_mail(mailbox: Mailbox, occurrence: str) -> list[Received]:
    return [
        m
        for m in mailbox.messages()
        if str(m.message["X-Ecohost-Notification"]).startswith(f"{occurrence}:")
    ]


def test_R6_1_2_renewal_reminder_reaches_the_right_people_once_by_email_and_webhook(
    reminders: tuple[RunningSystem, Mailbox, Receiver],
):
    """The project manager who registers a permit and a colleague who follows every unit
    of the agency get the renewal reminder by email, once each, to their own address;
    the colleague's personal webhook and the agency's webhook get it signed; a colleague
    who follows nothing, and another agency's people, get nothing."""
    system, mailbox, receiver = reminders
    # No quiet hours for the project manager and the agency (equal start and end), so
    # that today's 00:00 reminders have fallen due whenever the test runs.
    none = {"start": "00:00:00", "end": "00:00:00"}
    agency = {"channels": ["IN_APP", "EMAIL"], "leadDays": [30, 7, 1, 0], "quietHours": none}
    defaults = gql(system, DEFAULTS, {"input": {"choice": agency}}, ADMIN)
    assert defaults["setAgencyNotificationDefaults"]["__typename"].endswith("Success")
    pm = update(
        system,
        PM,
        email=PM_MAIL,
        choice={"channels": ["IN_APP", "EMAIL"], "leadDays": [7], "quietHours": none},
    )
    assert pm["__typename"] == "NotificationSettingsSuccess", pm
    follower = update(
        system,
        FOLLOWER,
        email=FOLLOWER_MAIL,
        webhookUrl=f"{receiver.url}?who=follower",
        remindAllUnits=True,
        choice={
            "channels": ["EMAIL", "WEBHOOK"],
            "leadDays": [7],
            # Quiet from 23:30 to 00:01: the day's 00:00 reminder moves to 00:01.
            "quietHours": {"start": "23:30:00", "end": "00:01:00"},
        },
    )
    follower_secret = follower["webhookSecret"]
    assert update(system, BYSTANDER, email=BYSTANDER_MAIL)["__typename"].endswith("Success")
    other = update(system, OTHER_PM, email=OTHER_MAIL, remindAllUnits=True)
    assert other["__typename"].endswith("Success")
    agency_hook = gql(system, HOOK, {"input": {"url": f"{receiver.url}?who=agency"}}, ADMIN)[
        "registerAgencyWebhook"
    ]
    agency_hook_id = raw_id(agency_hook["webhook"]["id"])

    unit = system.api.create_unit(ADMIN, name="邮件提醒测试单位")["unit"]
    number = f"MAIL-{new_id().hex[:10]}"
    permit = {
        "unitId": unit["id"],
        "number": number,
        "authority": "深圳市生态环境局",
        "category": "SIMPLIFIED",
        "validFrom": "2023-03-01",
        "validTo": (today() + timedelta(days=67)).isoformat(),
    }

    def registered() -> bool:
        result = gql(system, REGISTER, {"input": permit}, PM)["registerPermit"]
        return bool(result["__typename"] == "PermitSuccess")

    eventually(registered)
    [edge] = gql(system, RENEWAL, {"unit": unit["id"]}, PM)["complianceCalendar"]["edges"]
    renewal = edge["node"]
    occurrence, due, period = raw_id(renewal["id"]), renewal["dueDate"], renewal["periodLabel"]
    assert due == (today() + timedelta(days=7)).isoformat()

    mails = eventually(lambda: (m := _renewal_mail(mailbox, occurrence)) and len(m) >= 2 and m)
    by_address = {tuple(m.rcpt_tos): m for m in mails}
    assert sorted(by_address) == [(FOLLOWER_MAIL,), (PM_MAIL,)], [m.rcpt_tos for m in mails]
    subject = f"【7天后到期】邮件提醒测试单位：排污许可证延续申请（{number}）（{period}）"
    for (address,), mail in by_address.items():
        assert mail.subject == subject
        assert str(mail.message["To"]) == address
        body = mail.body
        assert "单位：邮件提醒测试单位\n" in body
        assert f"事项：排污许可证延续申请（{number}）（{period}）\n" in body
        assert f"到期日：{due}（将于 {due} 到期，还有 7 天）\n" in body
        # Nobody else's address is in it.
        others = {PM_MAIL, FOLLOWER_MAIL, BYSTANDER_MAIL, OTHER_MAIL} - {address}
        assert not any(o in mail.raw.decode() for o in others)

    def renewal_hits() -> list[Any]:
        return [
            h
            for h in receiver.received()
            if h.headers["x-ecohost-delivery"].startswith(f"{occurrence}:")
        ]

    hits = eventually(lambda: (h := renewal_hits()) and len(h) >= 2 and h)
    by_who = {}
    for hit in hits:
        payload = json.loads(hit.body)
        assert payload["subject"] == subject
        key = hit.headers["x-ecohost-delivery"]
        who = "agency" if ":agency-webhook:" in key else "follower"
        secret = agency_hook["secret"] if who == "agency" else follower_secret
        headers = hit.headers
        signature = (headers["x-ecohost-timestamp"], hit.body, headers["x-ecohost-signature"])
        assert verify(secret, *signature, now=time.time())
        by_who[who] = key
    assert by_who == {
        "agency": f"{occurrence}:agency-webhook:{agency_hook_id}:7:webhook",
        "follower": f"{occurrence}:follower:7:webhook",
    }

    # The follower's reminder waited for the end of their quiet hours.
    async def due_at(key: str) -> Any:
        [(value,)] = await system.rows(
            "compliance", "select due_at from notify_notifications where key = :k", k=key
        )
        return value

    follower_due = asyncio.run(due_at(f"{occurrence}:follower:7:email"))
    pm_due = asyncio.run(due_at(f"{occurrence}:pm:7:email"))
    local = datetime.combine(date.fromisoformat(due) - timedelta(days=7), datetime.min.time())
    assert _instant(follower_due) == local.replace(minute=1, tzinfo=SHANGHAI), follower_due
    assert _instant(pm_due) == local.replace(tzinfo=SHANGHAI), pm_due

    # Another change to the unit schedules again: every key is still one row, sent once.
    later = (today() + timedelta(days=400)).isoformat()
    stopped = gql(system, STOPPAGE, {"input": {"unitId": unit["id"], "startsOn": later}}, PM)
    assert stopped["recordStoppage"]["__typename"] == "StoppageSuccess"

    async def rows_of_occurrence() -> list[Any]:
        return await system.rows(
            "compliance",
            "select key, recipient, channel, address, status from notify_notifications "
            "where key like :k order by key",
            k=f"{occurrence}:%",
        )

    def all_sent() -> list[Any] | None:
        rows = asyncio.run(rows_of_occurrence())
        return rows if rows and all(r[4] == "sent" for r in rows) else None

    rows = eventually(all_sent, timeout=60)
    personal_hook = rows[2][3]
    assert personal_hook not in (None, agency_hook_id)
    assert [tuple(r[:4]) for r in rows] == [
        (
            f"{occurrence}:agency-webhook:{agency_hook_id}:7:webhook",
            f"agency-webhook:{agency_hook_id}",
            "webhook",
            agency_hook_id,
        ),
        (f"{occurrence}:follower:7:email", "follower", "email", FOLLOWER_MAIL),
        (f"{occurrence}:follower:7:webhook", "follower", "webhook", personal_hook),
        (f"{occurrence}:pm:7:email", "pm", "email", PM_MAIL),
        (f"{occurrence}:pm:7:in_app", "pm", "in_app", None),
    ]
    assert len(_renewal_mail(mailbox, occurrence)) == 2
    assert len(renewal_hits()) == 2
    assert not any(
        BYSTANDER_MAIL in m.rcpt_tos or OTHER_MAIL in m.rcpt_tos for m in mailbox.messages()
    )

    # The agency admin reads every attempt in the delivery log; another agency's reads none.
    log = gql(system, LOG, {}, ADMIN)["notificationDeliveryLog"]
    ours = {
        i["notificationKey"]: i for i in log["items"] if i["notificationKey"].startswith(occurrence)
    }
    assert sorted(ours) == [r[0] for r in rows]
    assert {(i["outcome"], i["attempt"], i["error"]) for i in ours.values()} == {("sent", 1, None)}
    assert ours[f"{occurrence}:pm:7:email"]["address"] == PM_MAIL
    theirs = gql(system, LOG, {}, OTHER_ADMIN)["notificationDeliveryLog"]["items"]
    assert not any(i["notificationKey"].startswith(occurrence) for i in theirs)
    assert gql(system, LOG, {}, PM)["notificationDeliveryLog"] is None


def _instant(value: Any) -> datetime:
    """A stored UTC time (a datetime, or SQLite's text) in Shanghai time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    instant: datetime = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(SHANGHAI)


MY_REMINDERS = "subscription { myReminders { key subject body dueDate leadDays occurrenceId } }"


async def _subscribe(system: RunningSystem, tok: str | None) -> Any:
    url = system.api.url.replace("http://", "ws://") + "/graphql"
    ws = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    payload = {"Authorization": f"Bearer {tok}"} if tok else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    subscribe = {"query": MY_REMINDERS}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
    return ws


def _gateway_reminder_subscriptions(system: RunningSystem) -> int:
    """The gateway's NATS subscriptions to in-app reminders, from nats-server's monitor."""
    assert system.stack.nats is not None
    url = system.stack.nats.monitor_url + "/connz?subs=1"
    connections = httpx.get(url, timeout=5).json()["connections"]
    return sum(
        subject == "ecohost.events.compliance.notification.v1"
        for c in connections
        if c.get("name") == "gateway"
        for subject in c.get("subscriptions_list", [])
    )


def _renewal_due_in_7_days(system: RunningSystem, tok: str, admin: str, name: str) -> str:
    """Registers a permit whose renewal is due in 7 days; returns the occurrence's id."""
    unit = system.api.create_unit(admin, name=name)["unit"]
    permit = {
        "unitId": unit["id"],
        "number": f"LIVE-{new_id().hex[:10]}",
        "authority": "深圳市生态环境局",
        "category": "SIMPLIFIED",
        "validFrom": "2023-03-01",
        "validTo": (today() + timedelta(days=67)).isoformat(),
    }
    eventually(
        lambda: (
            gql(system, REGISTER, {"input": permit}, tok)["registerPermit"]["__typename"]
            == "PermitSuccess"
        )
    )
    [edge] = gql(system, RENEWAL, {"unit": unit["id"]}, tok)["complianceCalendar"]["edges"]
    return raw_id(edge["node"]["id"])


async def _next(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=90))
    return message


async def test_R6_1_2_in_app_reminders_are_pushed_to_their_recipient_only(
    reminders: tuple[RunningSystem, Mailbox, Receiver],
):
    system, _, _ = reminders
    first, second = f"agency:{new_id()}", f"agency:{new_id()}"
    # The same user id in two agencies: two people, each sees only their own.
    live = token(first, "project_manager", user="live")
    live_elsewhere = token(second, "project_manager", user="live")
    quiet_free = {
        "choice": {
            "channels": ["IN_APP"],
            "leadDays": [7],
            "quietHours": {"start": "00:00:00", "end": "00:00:00"},
        }
    }
    for tok in (live, live_elsewhere):
        result = await asyncio.to_thread(update, system, tok, **quiet_free)
        assert result["__typename"] == "NotificationSettingsSuccess"

    anonymous = await _subscribe(system, None)
    refused = await _next(anonymous)
    assert refused["payload"]["data"] is None, refused
    [error] = refused["payload"]["errors"]
    assert error["extensions"]["code"] == "NOT_AUTHORIZED", refused
    await anonymous.close()

    before = await asyncio.to_thread(_gateway_reminder_subscriptions, system)
    mine, theirs = await _subscribe(system, live), await _subscribe(system, live_elsewhere)
    try:
        await asyncio.to_thread(
            eventually, lambda: _gateway_reminder_subscriptions(system) >= before + 2
        )
        admin = token(first, "agency_admin")
        occurrence = await asyncio.to_thread(
            _renewal_due_in_7_days, system, live, admin, "推送提醒测试单位"
        )
        pushed = await _next(mine)
        reminder = pushed["payload"]["data"]["myReminders"]
        assert reminder["key"] == f"{occurrence}:live:7:in_app"
        assert reminder["subject"].startswith(
            "【7天后到期】推送提醒测试单位：排污许可证延续申请（LIVE-"
        )
        assert reminder["leadDays"] == 7
        assert reminder["dueDate"] == (today() + timedelta(days=7)).isoformat()
        assert raw_id(reminder["occurrenceId"]) == occurrence
        # The other agency's "live" got nothing of it: the first reminder it is pushed
        # is its own, delivered after the first agency's.
        other_admin = token(second, "agency_admin")
        their_occurrence = await asyncio.to_thread(
            _renewal_due_in_7_days, system, live_elsewhere, other_admin, "推送提醒另一单位"
        )
        their_first = (await _next(theirs))["payload"]["data"]["myReminders"]
        assert their_first["key"] == f"{their_occurrence}:live:7:in_app"
    finally:
        await mine.close()
        await theirs.close()
