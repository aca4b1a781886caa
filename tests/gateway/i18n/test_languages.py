"""A caller reads errors in the language it asks for (Accept-Language): Chinese by
default, English on request; over HTTP and over the WebSocket (the handshake's header,
else connection_init's `Accept-Language`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.asyncio.client import connect

from gateway.i18n.language import Language, negotiate
from gateway.nodes import MAX_NODES
from tests.gateway.conftest import AppClient, ServedGateway
from tests.gateway.test_websocket import PROTOCOL, connected, run

TOO_MANY_NODES = {"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                  "variables": {"ids": ["x"] * (MAX_NODES + 1)}}  # fmt: skip
CREATE_UNIT = {
    "query": 'mutation { createUnit(input: {name: "x", uscc: "x", industryCode: "C2614", '
    'address: "y"}) { __typename ... on Error { code message } } }'
}
LABELS = {"query": '{ enumLabels(enum: "SurveyMethod") { value label } }'}


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, Language.ZH_CN),
        ("", Language.ZH_CN),
        ("en", Language.EN),
        ("en-US,en;q=0.9", Language.EN),
        ("zh-CN,zh;q=0.9,en;q=0.8", Language.ZH_CN),
        ("fr-FR, en;q=0.5, zh;q=0.4", Language.EN),
        ("zh;q=0.3, en;q=0.7", Language.EN),
        ("zh-TW", Language.ZH_CN),
        ("en;q=0, zh", Language.ZH_CN),
        ("fr", Language.ZH_CN),
        ("*", Language.ZH_CN),
    ],
)
def test_accept_language_picks_the_best_supported_language(
    header: str | None, language: Language
) -> None:
    assert negotiate(header) is language


async def test_query_errors_follow_accept_language(gateway_client: AppClient) -> None:
    async with gateway_client() as client:
        default = await client.post("/graphql", json=TOO_MANY_NODES)
        english = await client.post(
            "/graphql", json=TOO_MANY_NODES, headers={"Accept-Language": "en-GB,en;q=0.9"}
        )
    assert [e["message"] for e in default.json()["errors"]] == ["至多 100 个标识"]
    assert [e["message"] for e in english.json()["errors"]] == ["at most 100 ids"]
    assert [e["extensions"]["code"] for e in english.json()["errors"]] == ["VALIDATION_FAILED"]


async def test_typed_mutation_errors_follow_accept_language(gateway_client: AppClient) -> None:
    async with gateway_client() as client:
        default = await client.post("/graphql", json=CREATE_UNIT)
        english = await client.post("/graphql", json=CREATE_UNIT, headers={"Accept-Language": "en"})
    assert default.json()["data"]["createUnit"] == {
        "__typename": "NotAuthorized",
        "code": "not_authorized",
        "message": "需要登录。",
    }
    assert english.json()["data"]["createUnit"]["message"] == "Authentication required."


async def test_enum_labels_in_the_callers_language(gateway_client: AppClient) -> None:
    async with gateway_client() as client:
        zh = await client.post("/graphql", json=LABELS)
        en = await client.post("/graphql", json=LABELS, headers={"Accept-Language": "en"})
        unknown = await client.post(
            "/graphql", json={"query": '{ enumLabels(enum: "Nope") { value } }'}
        )
    assert zh.json()["data"]["enumLabels"] == [
        {"value": "QUESTIONNAIRE", "label": "问卷"},
        {"value": "VISIT", "label": "走访"},
        {"value": "ONLINE", "label": "网络调查"},
        {"value": "PHONE", "label": "电话访问"},
        {"value": "ONSITE", "label": "现场勘察"},
    ]
    assert [x["label"] for x in en.json()["data"]["enumLabels"]] == [
        "Questionnaire", "Visit", "Online survey", "Phone interview", "On-site inspection",
    ]  # fmt: skip
    assert unknown.json() == {"data": {"enumLabels": []}}


async def _socket_messages(url: str, init: dict[str, Any], headers: dict[str, str]) -> list[str]:
    async with connect(url, subprotocols=PROTOCOL, additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        [answer, _] = await run(ws, "1", CREATE_UNIT)
    return [answer["payload"]["data"]["createUnit"]["message"]]


async def test_websocket_errors_follow_the_handshake_or_connection_init(
    served_gateway: ServedGateway,
) -> None:
    async with served_gateway() as url:
        default = await connected(url, {})
        try:
            [answer, _] = await run(default, "1", CREATE_UNIT)
        finally:
            await default.close()
        by_init = await _socket_messages(url, {"Accept-Language": "en"}, {})
        by_handshake = await _socket_messages(url, {}, {"Accept-Language": "en"})
        handshake_first = await _socket_messages(
            url, {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}
        )
    assert answer["payload"]["data"]["createUnit"]["message"] == "需要登录。"
    assert by_init == ["Authentication required."]
    assert by_handshake == ["Authentication required."]
    assert handshake_first == ["需要登录。"]
