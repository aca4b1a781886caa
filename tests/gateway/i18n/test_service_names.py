"""A refusal names the service that did not answer by its own name (a term), never by
an enum value spelled the same: `engagement` is also the ENGAGEMENT scorecard period
(整个服务期), which is what the message said before."""

from __future__ import annotations

from contracts.core import Message
from gateway.i18n.language import Language
from gateway.i18n.say import say

DID_NOT_ANSWER = "the {service} service did not answer"


def test_a_refusal_names_the_service_in_chinese_and_english():
    named = {
        service: say(Message(DID_NOT_ANSWER, {"service": service}), Language.ZH_CN)
        for service in ("engagement", "evaluation", "archive", "compliance")
    }
    assert named == {
        "engagement": "托管业务 服务未响应",
        "evaluation": "绩效评价 服务未响应",
        "archive": "档案 服务未响应",
        "compliance": "合规日历 服务未响应",
    }
    english = say(Message(DID_NOT_ANSWER, {"service": "engagement"}), Language.EN)
    assert english == "the engagement service did not answer"
