"""Drive the running system over HTTP as a frontend would, and read the services'
databases directly to assert what was (and was not) written."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from cli.stack import Stack
from gateway.settings import GatewaySettings
from kit.auth import issue_token
from services.engagement.directory import uscc

UNIT_FIELDS = "id name uscc regionCode"
CREATE_UNIT = f"""
mutation($input: CreateUnitInput!) {{
  createUnit(input: $input) {{
    __typename
    ... on CreateUnitSuccess {{ unit {{ {UNIT_FIELDS} }} }}
    ... on Error {{ message code }}
    ... on InvalidUSCC {{ field }}
    ... on ValidationError {{ field }}
    ... on NotAuthorized {{ reason }}
  }}
}}"""
CREATE_ENGAGEMENT = """
mutation($input: CreateEngagementInput!) {
  createEngagement(input: $input) {
    __typename
    ... on CreateEngagementSuccess { engagement { id stage serviceModes } }
    ... on Error { message code }
    ... on UnitNotFound { field }
    ... on ValidationError { field }
    ... on NotAuthorized { reason }
    ... on ServiceUnavailable { requestId }
  }
}"""
ENGAGEMENT = """
query($id: ID!) {
  engagement(id: $id) {
    id stage serviceModes periodStart periodEnd agencyId evaluationRegistered
    unit { name uscc }
    trace { seq eventType actor tenant prevHash entryHash }
  }
}"""


def new_uscc(region: str = "440300") -> str:
    """A fresh, valid 统一社会信用代码 registered in `region`."""
    body = "91" + region + "".join(uscc.ALPHABET[b % 31] for b in uuid.uuid4().bytes[:9])
    return body + uscc.check_character(body)


def token(
    tenant: str,
    *roles: str,
    user: str = "alice",
    ttl: int | None = None,
    now: datetime | None = None,
) -> str:
    return issue_token(
        GatewaySettings().auth,
        user_id=user,
        tenant=tenant,
        roles=list(roles),
        ttl_seconds=ttl,
        now=now or datetime.now(UTC),
    )


@dataclass
class Api:
    url: str
    client: httpx.Client

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        r = self.client.post(
            self.url + "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def create_unit(self, tok: str | None, **overrides: Any) -> dict[str, Any]:
        data = {
            "name": "绿源化工有限公司",
            "uscc": new_uscc(),
            "industryCode": "C2614",
            "address": "深圳市南山区",
        }
        data.update(overrides)
        result: dict[str, Any] = self.gql(CREATE_UNIT, {"input": data}, tok)["data"]["createUnit"]
        return result

    def create_engagement(self, tok: str | None, unit_id: str, **overrides: Any) -> dict[str, Any]:
        data = {
            "unitId": unit_id,
            "serviceModes": ["FIXED_RESIDENT"],
            "periodStart": "2027-01-01",
            "periodEnd": "2027-12-31",
        }
        data.update(overrides)
        body = self.gql(CREATE_ENGAGEMENT, {"input": data}, tok)
        result: dict[str, Any] = body["data"]["createEngagement"]
        return result

    def engagement(self, tok: str | None, id_: str) -> dict[str, Any] | None:
        body = self.gql(ENGAGEMENT, {"id": id_}, tok)
        assert "errors" not in body, body
        result: dict[str, Any] | None = body["data"]["engagement"]
        return result

    def settled(self, tok: str | None, id_: str) -> dict[str, Any] | None:
        """The engagement once both consumers saw its creation: traced and registered."""
        view = self.engagement(tok, id_)
        if view and view["trace"] and view["evaluationRegistered"]:
            return view
        return None


def eventually(check: Callable[[], Any], timeout: float = 60.0, interval: float = 0.1) -> Any:
    # 60 s: an event crosses three processes; with two test workers on two cores a
    # loaded machine has taken over 20 s. A passing check returns at once.
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {value!r})")
        time.sleep(interval)


async def rows(url: str, sql: str, schema: str | None = None, **params: Any) -> list[Any]:
    args = (
        {"server_settings": {"search_path": schema}}
        if schema and url.startswith("postgresql")
        else {}
    )
    engine = create_async_engine(url, connect_args=args)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


@dataclass
class RunningSystem:
    stack: Stack
    api: Api
    database_urls: dict[str, str]

    async def count(self, service: str, sql: str, **params: Any) -> Any:
        return (await self.rows(service, sql, **params))[0][0]

    async def rows(self, service: str, sql: str, **params: Any) -> list[Any]:
        return await rows(self.database_urls[service], sql, schema=service, **params)
