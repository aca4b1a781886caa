"""The `graphql-http` audit suite (`serverAudits`, npm package graphql-http) against a
served gateway: over a real socket, as a client sees it.

Development (what `make run` serves) passes every audit. The production profile
deviates on purpose, for two OWASP protections the same issue asks for:
- GET stays closed (graphql-cop's GET-query check): the three MAY audits that send
  queries by GET get 405;
- introspection is refused: the MUST and the SHOULD audit that send
  `{ __type(name: $name) { name } }` with variables get a validation error. Allowing
  `__type` would let anyone read every field of `Mutation` by name.
Nothing else fails there."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from cli.process import free_port
from gateway.app import create_app
from gateway.http.one_write import OneWriteProtocol
from tests.gateway.conftest import AppClient, settings_of
from tests.js.node import run_node

AUDIT_COUNT = 61  # graphql-http 1.23.1
GET_QUERY_AUDITS = {"5A70", "D6D5", "6A70"}  # MAY: GET with query / variables parameters
INTROSPECTION_AUDITS = {"28B9", "2EA1"}  # MUST/SHOULD: {variables} map, via `__type`


@contextmanager
def served_gateway(tmp_path: Path, **overrides: Any) -> Iterator[str]:
    """A gateway on a free loopback port (uvicorn in a thread); NATS points at a closed
    port: the audits ask for nothing beyond `__typename`."""
    settings = settings_of(tmp_path, overrides)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        http=OneWriteProtocol,  # as `python -m gateway` serves
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with httpx.Client(timeout=2) as client:
            for _ in range(300):
                if server.started:
                    break
                thread.join(0.05)
            assert server.started, "the gateway did not start"
            assert client.get(f"http://127.0.0.1:{port}/health/live").status_code == 200
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        thread.join(10)


def audit(url: str) -> list[dict[str, Any]]:
    done = run_node("audit.mjs", url)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_every_audit_passes_in_development(tmp_path: Path) -> None:
    with served_gateway(tmp_path) as url:
        results = audit(url)
    failed = [r for r in results if r["status"] != "ok"]
    assert failed == []
    assert len(results) == AUDIT_COUNT


def test_production_fails_only_where_get_or_introspection_is_refused(tmp_path: Path) -> None:
    with served_gateway(tmp_path, environment="production") as url:
        results = audit(url)
    failed = {r["id"]: r for r in results if r["status"] != "ok"}
    assert set(failed) == GET_QUERY_AUDITS | INTROSPECTION_AUDITS
    for audit_id in GET_QUERY_AUDITS:
        assert failed[audit_id]["name"].startswith("MAY ")
        assert failed[audit_id]["response"]["status"] == 405
    for audit_id in INTROSPECTION_AUDITS:
        assert "introspection" in failed[audit_id]["response"]["body"].lower()
    assert len(results) == AUDIT_COUNT


@pytest.mark.parametrize(
    ("query", "operation_name"),
    [
        ("mutation { createCheckpoint { __typename } }", None),
        ("query Q { __typename } mutation M { createCheckpoint { __typename } }", "M"),
        ("subscription { __typename }", None),
    ],
)
async def test_get_never_runs_a_mutation_or_subscription(
    gateway_client: AppClient, query: str, operation_name: str | None
) -> None:
    params = {"query": query} | ({"operationName": operation_name} if operation_name else {})
    async with gateway_client(environment="development") as client:
        r = await client.get("/graphql", params=params)
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"


async def test_get_runs_a_query_in_development(gateway_client: AppClient) -> None:
    async with gateway_client(environment="development") as client:
        named = await client.get(
            "/graphql",
            params={"query": "query Q { __typename } mutation M { x }", "operationName": "Q"},
        )
        plain = await client.get("/graphql", params={"query": "{ __typename }"})
    assert named.status_code == 200  # the mutation beside it is invalid, so nothing runs
    assert plain.json() == {"data": {"__typename": "Query"}}
