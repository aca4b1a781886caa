"""GraphQL documents and steps of the archive catalogue, driven over HTTP."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx

from gateway.settings import GatewaySettings
from kit.auth import issue_token
from tests.e2e.harness import Api

ITEM = "id title status confidentiality sha256 size handedOver filename"
RESULT = "... on Error { __typename code message }"
REQUEST_UPLOAD = f"""mutation($i: RequestUploadInput!) {{ requestUpload(input: $i) {{ __typename
  ... on RequestUploadSuccess {{ uploadUrl method headers {{ name value }} item {{ {ITEM} }} }}
  {RESULT} }} }}"""
REQUEST_VERSION = f"""mutation($i: RequestItemVersionUploadInput!) {{
  requestItemVersionUpload(input: $i) {{ __typename
  ... on RequestUploadSuccess {{ uploadUrl method headers {{ name value }}
    item {{ {ITEM} version seriesId }} }}
  {RESULT} }} }}"""
COMPLETE = f"""mutation($i: CompleteUploadInput!) {{ completeUpload(input: $i) {{ __typename
  ... on ArchiveItemSuccess {{ item {{ {ITEM} }} }} {RESULT} }} }}"""
CATALOGUE = f"""query($e: ID!) {{ archiveCatalogue(engagementId: $e) {{
  volumes {{ id title }} items {{ {ITEM} }} }} }}"""
SERIES = f"""query($e: ID!, $all: Boolean!) {{
  archiveCatalogue(engagementId: $e, includeSuperseded: $all) {{
    items {{ {ITEM} version seriesId versions {{ id version sha256 }} }} }} }}"""
GET_ITEM = f"query($id: ID!) {{ archiveItem(id: $id) {{ {ITEM} }} }}"
USAGE = "query($id: ID!) { archiveItem(id: $id) { usage { actor borrowRequestId } } }"
ACKNOWLEDGE = f"""mutation($i: AcknowledgeHandoverInput!) {{ acknowledgeHandover(input: $i) {{
  __typename ... on HandoverSuccess {{ handover {{ representative acknowledgedBy }} }}
  {RESULT} }} }}"""
BORROW = f"""mutation($i: RequestBorrowInput!) {{ requestBorrow(input: $i) {{ __typename
  ... on BorrowRequestSuccess {{ borrowRequest {{ id status }} }} {RESULT} }} }}"""
DECIDE = f"""mutation($i: DecideBorrowInput!) {{ decideBorrow(input: $i) {{ __typename
  ... on BorrowRequestSuccess {{ borrowRequest {{ id status validUntil }} }} {RESULT} }} }}"""
DOWNLOAD = f"""mutation($i: IssueDownloadUrlInput!) {{ issueDownloadUrl(input: $i) {{ __typename
  ... on DownloadUrlSuccess {{ url expiresAt }} {RESULT} }} }}"""
DESTROY_REQUEST = f"""mutation($i: RequestDestructionInput!) {{ requestDestruction(input: $i) {{
  __typename ... on DestructionSuccess {{ destruction {{ id }} }} {RESULT} }} }}"""
DESTROY_APPROVE = f"""mutation($i: ApproveDestructionInput!) {{ approveDestruction(input: $i) {{
  __typename ... on DestructionSuccess {{ destruction {{ witnesses executedAt }} }}
  {RESULT} }} }}"""


def put_and_complete(api: Api, token: str, ticket: dict[str, Any], data: bytes) -> dict[str, Any]:
    """PUT the bytes to the ticket's URL (S3 or the gateway's /files), then completeUpload."""
    headers = {h["name"]: h["value"] for h in ticket["headers"]}
    put = httpx.put(ticket["uploadUrl"], content=data, headers=headers, timeout=30)
    assert put.status_code == 200, put.text
    done = api.gql(COMPLETE, {"i": {"itemId": ticket["item"]["id"]}}, token)
    return done["data"]["completeUpload"]  # type: ignore[no-any-return]


def request_version(api: Api, token: str, item_id: str, data: bytes, **over: Any) -> dict[str, Any]:
    variables = {
        "i": {
            "itemId": item_id,
            "filename": "成果报告-v2.pdf",
            "contentType": "application/pdf",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            **over,
        }
    }
    return api.gql(REQUEST_VERSION, variables, token)["data"]["requestItemVersionUpload"]  # type: ignore[no-any-return]


def tok(tenant: str, role: str, user: str, clearance: int | None = None) -> str:
    return issue_token(
        GatewaySettings().auth, user_id=user, tenant=tenant, roles=[role], clearance=clearance
    )


def raw_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def upload(
    api: Api,
    token: str,
    engagement: str,
    data: bytes,
    *,
    level: str = "INTERNAL",
    document_date: str = "2027-12-31",
    category: str = "RESULTS_REPORT",
    title: str = "托管服务成果报告",
    filename: str = "成果报告.pdf",
) -> dict[str, Any]:
    """requestUpload, PUT the bytes to the URL it returned (S3 or the gateway's /files),
    completeUpload: the frontend's three steps."""
    variables = {
        "i": {
            "engagementId": engagement,
            "category": category,
            "title": title,
            "filename": filename,
            "contentType": "application/pdf",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "confidentiality": level,
            "retention": "YEARS_10",
            "documentDate": document_date,
        }
    }
    body = api.gql(REQUEST_UPLOAD, variables, token)
    assert body.get("data"), body
    ticket = body["data"]["requestUpload"]
    assert ticket["__typename"] == "RequestUploadSuccess", ticket
    headers = {h["name"]: h["value"] for h in ticket["headers"]}
    put = httpx.put(ticket["uploadUrl"], content=data, headers=headers, timeout=30)
    assert put.status_code == 200, put.text
    done = api.gql(COMPLETE, {"i": {"itemId": ticket["item"]["id"]}}, token)
    result: dict[str, Any] = done["data"]["completeUpload"]
    assert result["__typename"] == "ArchiveItemSuccess", result
    return result["item"]  # type: ignore[no-any-return]
