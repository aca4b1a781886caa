"""The gateway's own POST /graphql route answers every request exactly as strawberry's
route does: the same status, headers and bytes, for success, GraphQL errors, refused
requests and everything it hands on to strawberry."""

from __future__ import annotations

import json
from base64 import b64encode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from strawberry.http.parse_content_type import parse_content_type

from gateway.app import create_app
from gateway.http.router import GRAPHQL_RESPONSE, GatewayRouter, UntracedPostRoute, media_type
from kit.reply_structs import struct_replies
from kit.rpc import RpcClient
from tests.e2e.harness import CREATE_ENGAGEMENT, token
from tests.gateway.conftest import settings_of
from tests.gateway.stand_ins import AnsweringNats

AGENCY = "0190a3c2-7b1e-7c3d-8e4f-00000000beef"
UNIT = "0190a3c2-7b1e-7c3d-8e4f-0000000000aa"
CREATED = (
    b'{"ok":true,"result":{"id":"0190a3c2-7b1e-7c3d-8e4f-0000000000ee","unit_id":"'
    + UNIT.encode()
    + b'","agency_id":"'
    + AGENCY.encode()
    + b'","service_modes":["fixed_resident"],"period_start":"2026-01-01","period_end":'
    b'"2026-12-31","stage":"preparation","region_code":"440300","created_at":'
    b'"2026-01-01T08:00:00Z"}}'
)
REFUSED = b'{"ok":false,"error":{"code":"engagement.unit_not_found","message":"no such unit",'
REFUSED += b'"field":"unit_id","details":{}}}'
MANAGER = token(f"agency:{AGENCY}", "project_manager", user="pm")
CREATE_INPUT = {
    "input": {
        "unitId": b64encode(f"Unit:{UNIT}".encode()).decode(),
        "agencyId": AGENCY,
        "serviceModes": ["FIXED_RESIDENT"],
        "periodStart": "2026-01-01",
        "periodEnd": "2026-12-31",
    }
}
JSON = "application/json"


def request(
    body: Any,
    *,
    content_type: str = JSON,
    accept: str | None = None,
    bearer: str | None = MANAGER,
    method: str = "POST",
    **headers: str,
) -> dict[str, Any]:
    sent = {"content-type": content_type, "x-request-id": "same-request", **headers}
    if accept is not None:
        sent["accept"] = accept
    if bearer is not None:
        sent["authorization"] = f"Bearer {bearer}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return {"method": method, "content": content, "headers": sent}


def operation(query: str, variables: dict[str, Any] | None = None, **more: Any) -> Any:
    return {"query": query, "variables": variables, **more}


CASES: dict[str, dict[str, Any]] = {
    "success": request(operation(CREATE_ENGAGEMENT, CREATE_INPUT)),
    "success, graphql-response+json": request(
        operation(CREATE_ENGAGEMENT, CREATE_INPUT), accept=f"{GRAPHQL_RESPONSE}, {JSON};q=0.9"
    ),
    "named operation": request(
        operation("query A { __typename } query B { viewer { userId tenant } }", operationName="B")
    ),
    "anonymous mutation": request(operation(CREATE_ENGAGEMENT, CREATE_INPUT), bearer=None),
    "refused token": request(operation(CREATE_ENGAGEMENT, CREATE_INPUT), bearer="not.a.token"),
    "bad idempotency key": request(
        operation(CREATE_ENGAGEMENT, CREATE_INPUT), **{"idempotency-key": "k" * 129}
    ),
    "with idempotency key": request(
        operation(CREATE_ENGAGEMENT, CREATE_INPUT), **{"idempotency-key": "k-1"}
    ),
    "field error": request(operation("{ viewer { userId } units { totalCount } }")),
    "syntax error": request(operation("{ __typename ")),
    "syntax error, graphql-response+json": request(
        operation("{ __typename "), accept=GRAPHQL_RESPONSE
    ),
    "validation error": request(operation("{ nope }")),
    "validation error, graphql-response+json": request(
        operation("{ nope }"), accept=GRAPHQL_RESPONSE
    ),
    "bad variables": request(operation(CREATE_ENGAGEMENT, {"input": {"unitId": 3}})),
    "too deep": request(operation("{ viewer " + "{ a " * 12 + "}" * 13)),
    "too many aliases": request(
        operation("{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }")
    ),
    "too many tokens": request(operation("{ " + "__typename " * 2100 + "}")),
    "persisted query miss": request(
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}
    ),
    "persisted query, wrong hash": request(
        {
            "query": "{ __typename }",
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}},
        }
    ),
    "no query": request({}),
    "query not a string": request({"query": 3}),
    "variables not an object": request({"query": "{ __typename }", "variables": [1]}),
    "extensions not an object": request({"query": "{ __typename }", "extensions": "x"}),
    "subscription by POST": request(operation("subscription { engagementChanged { id } }")),
    "unknown operation name": request(operation("{ __typename }", operationName="Other")),
    "bad JSON": request(b'{"query": '),
    "not UTF-8": request(b"\xff\xfe\xfa"),
    "a JSON string": request(b'"{ __typename }"'),
    "batch": request([operation("{ __typename }"), operation("{ viewer { userId } }")]),
    "batch too large": request([operation("{ __typename }")] * 6),
    "wrong content type": request(operation("{ __typename }"), content_type="text/plain"),
    "multipart": request(b"--x--", content_type="multipart/form-data; boundary=x"),
    "json with charset": request(
        operation("{ __typename }"), content_type="application/json; charset=utf-8"
    ),
    "GET": {"method": "GET", "content": b"", "headers": {"accept": JSON}},
    "PUT": request(operation("{ __typename }"), method="PUT"),
    "OPTIONS": {"method": "OPTIONS", "content": b"", "headers": {"origin": "http://x"}},
    "body too large": request(operation("{ __typename }" + " " * 256 * 1024)),
}


@asynccontextmanager
async def gateway(tmp_path: Path, own_route: bool, **settings: Any) -> AsyncIterator[FastAPI]:
    """The gateway with the engagement service answered in process; `own_route=False`
    takes the own POST route out, leaving strawberry's."""
    app = create_app(settings_of(tmp_path, settings))
    if not own_route:
        app.router.routes[:] = [
            r for r in app.router.routes if not isinstance(r, UntracedPostRoute)
        ]
    async with app.router.lifespan_context(app):
        state = app.state.gateway
        for task in state.tasks:
            task.cancel()
        yield app


async def answers(
    app: FastAPI, reply: bytes, case: dict[str, Any]
) -> tuple[int, list[tuple[str, str]], bytes, list[dict[str, str]]]:
    nats = AnsweringNats(reply)
    app.state.gateway.rpc = RpcClient(nats, decode=struct_replies)  # type: ignore[arg-type]
    # An exception escaping the app is a 500, as a server would answer it.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        r = await client.request(
            case["method"], "/graphql", content=case["content"], headers=case["headers"]
        )
    return r.status_code, list(r.headers.multi_items()), r.content, nats.headers


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize("reply", [CREATED, REFUSED], ids=["created", "refused"])
async def test_every_answer_is_strawberrys_byte_for_byte(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    environment: str,
    reply: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    by_strawberry: list[str] = []
    run = GatewayRouter.run

    async def counted(self: GatewayRouter, request: Any, **kwargs: Any) -> Any:
        by_strawberry.append(request.method)
        return await run(self, request, **kwargs)

    monkeypatch.setattr(GatewayRouter, "run", counted)
    # In production the token is refused (settings_of gives it another secret), and
    # neither GET queries nor GraphiQL are served: more refusals to compare.
    settings: dict[str, Any] = {"environment": environment}
    async with (
        gateway(tmp_path, True, **settings) as own,
        gateway(tmp_path_factory.mktemp("strawberry"), False, **settings) as strawberrys,
    ):
        for name, case in CASES.items():
            expected = await answers(strawberrys, reply, case)
            strawberry_runs = len(by_strawberry)
            got = await answers(own, reply, case)
            assert got == expected, name
            handed_on = len(by_strawberry) > strawberry_runs
            assert handed_on == (name in HANDED_ON), name
    assert by_strawberry


# What the own route hands to strawberry's `run`: more than one JSON operation.
HANDED_ON = {
    "query not a string",
    "variables not an object",
    "extensions not an object",
    "bad JSON",
    "not UTF-8",
    "a JSON string",
    "batch",
    "batch too large",
    "GET",
}


async def test_the_success_case_is_the_mutation(tmp_path: Path) -> None:
    async with gateway(tmp_path, True) as app:
        status, headers, body, sent = await answers(app, CREATED, CASES["success"])
    assert status == 200
    assert json.loads(body) == {
        "data": {
            "createEngagement": {
                "__typename": "CreateEngagementSuccess",
                "engagement": {
                    "id": b64encode(b"Engagement:0190a3c2-7b1e-7c3d-8e4f-0000000000ee").decode(),
                    "stage": "PREPARATION",
                    "serviceModes": ["FIXED_RESIDENT"],
                },
            }
        }
    }
    assert ("content-type", JSON) in headers
    assert len(sent) == 1


async def test_with_tracing_on_strawberrys_route_serves(tmp_path: Path) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    from kit import tracing

    provider = TracerProvider()
    tracing.use_provider(provider)
    try:
        async with gateway(tmp_path, True) as app:
            route = next(r for r in app.router.routes if isinstance(r, UntracedPostRoute))
            scope = {"type": "http", "path": "/graphql", "method": "POST", "root_path": ""}
            assert route.matches(scope)[0].name == "NONE"
            status, _, body, _ = await answers(app, CREATED, CASES["success"])
            assert status == 200
            assert b"CreateEngagementSuccess" in body
    finally:
        tracing.use_provider(None)
        provider.shutdown()


def test_a_router_without_a_request_context_getter_has_no_own_route() -> None:
    from gateway.persisted import PersistedQueries
    from gateway.schema import build_schema

    router = GatewayRouter(
        build_schema(), persisted=PersistedQueries("automatic"), execution_timeout=1.0
    )
    assert router.post_route("/graphql") is None


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        " application/json",
        "application/json ",
        "application/json;",
        "text/plain",
        "multipart/form-data; boundary=x",
        "",
    ],
)
def test_media_type_reads_the_header_as_strawberry_does(content_type: str) -> None:
    assert media_type(content_type) == parse_content_type(content_type)[0]
