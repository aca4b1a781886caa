"""Addresses a reminder may go to (services/compliance/contacts/domain.py): one bare
email address, one https webhook without credentials. Anything else is refused with a
typed error naming the field, since it would reach someone other than the person."""

from __future__ import annotations

from datetime import time

import pytest

from contracts.compliance.errors import InvalidEmailAddress, InvalidWebhookUrl
from kit.notify import QuietHours
from services.compliance.contacts.domain import email_address, quiet_hours, webhook_url


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("zhang.san@example.cn", "zhang.san@example.cn"),
        ("  Zhang.San+hb@Mail.Example.COM.cn ", "Zhang.San+hb@mail.example.com.cn"),
        ("o'brien@example-agency.cn", "o'brien@example-agency.cn"),
    ],
)
def test_an_email_address_is_kept_with_its_domain_lower_cased(raw: str, kept: str):
    assert email_address(raw) == kept


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "zhang",
        "张三 <zs@example.cn>",
        "a@b.cn, c@d.cn",
        "a@b.cn\r\nBcc: spy@evil.cn",
        "a@localhost",
        "a@[127.0.0.1]",
        "a@127.0.0.1",
        "a..b@example.cn",
        ".a@example.cn",
        "a@-example.cn",
        "a@example..cn",
        "中文@example.cn",
        "a" * 65 + "@example.cn",
        "a@" + "b" * 250 + ".cn",
    ],
)
def test_anything_but_one_bare_address_is_refused(raw: str):
    with pytest.raises(InvalidEmailAddress) as refused:
        email_address(raw)
    assert refused.value.field == "email"


@pytest.mark.parametrize(
    "raw",
    [
        "https://oapi.dingtalk.example.cn/robot/send?access_token=abc",
        "https://qyapi.example.cn:8443/cgi-bin/webhook/send?key=k",
    ],
)
def test_https_webhooks_are_accepted(raw: str):
    assert webhook_url(raw, allow_http=False) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "http://hooks.example.cn/x",
        "ftp://hooks.example.cn/x",
        "javascript:alert(1)",
        "https://",
        "https:///path",
        "https://user:pw@hooks.example.cn/x",
        "https://user@hooks.example.cn/x",
        "https://hooks.example.cn/x#frag",
        "https://hooks.example.cn/a b",
        "https://hooks.example.cn:99999/x",
        "https://hooks.example.cn:port/x",
    ],
)
def test_other_webhooks_are_refused(raw: str):
    with pytest.raises(InvalidWebhookUrl) as refused:
        webhook_url(raw, allow_http=False, field="url")
    assert refused.value.field == "url"


@pytest.mark.parametrize(
    "raw",
    [
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.5:8443/hook",
    ],
)
def test_webhooks_to_private_addresses_are_refused(raw: str):
    with pytest.raises(InvalidWebhookUrl) as refused:
        webhook_url(raw, allow_http=False, field="url")
    assert (refused.value.field, refused.value.code) == ("url", "invalid_webhook_url")
    assert "public address" in str(refused.value)


def test_http_only_where_allowed():
    assert webhook_url("http://127.0.0.1:8080/hook", allow_http=True, allow_private=True) == (
        "http://127.0.0.1:8080/hook"
    )


def test_quiet_hours_from_their_stored_text():
    assert quiet_hours(None, None) is None
    assert quiet_hours("23:30", "00:01") == QuietHours(start=time(23, 30), end=time(0, 1))
