"""GraphQL documents and steps of generated documents, driven over HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.harness import Api, eventually

RESULT = "... on Error { __typename code message }"
JOB = """id kind format status progress attempts maxAttempts errorCode errorMessage itemId
  template templateVersion period { start end }"""
GENERATE = f"""mutation($i: GenerateDocumentInput!) {{ generateDocument(input: $i) {{ __typename
  ... on DocumentJobSuccess {{ job {{ {JOB} }} }}
  ... on DocumentDataMissing {{ missing }}
  ... on DocumentFormatNotOffered {{ offered }}
  {RESULT} }} }}"""
JOB_QUERY = f"query($id: ID!) {{ documentJob(id: $id) {{ {JOB} }} }}"
ITEM = """id seriesId version category title filename contentType size sha256 status
  confidentiality retention metadata { name value }"""
DOCUMENTS = f"""query($e: ID!) {{ documents(engagementId: $e) {{ kind seriesId
  versions {{ {ITEM} }} latest {{ id version }} }} }}"""
REGISTER = f"""mutation($i: RegisterDocumentTemplateInput!) {{
  registerDocumentTemplate(input: $i) {{ __typename
  ... on DocumentTemplateSuccess {{ template {{ id kind name version definition }} }}
  ... on InvalidDocumentTemplate {{ problems }}
  {RESULT} }} }}"""
TEMPLATES = "query { documentTemplates { kind name version } }"


# The default request: the first quarter's stage report as PDF.
FIRST_QUARTER: dict[str, Any] = {
    "kind": "STAGE_REPORT",
    "format": "PDF",
    "period": {"start": "2027-01-01", "end": "2027-03-31"},
}


def generate(api: Api, token: str | None, engagement: str, **over: Any) -> dict[str, Any]:
    variables = {"i": {"engagementId": engagement, **FIRST_QUARTER, **over}}
    body = api.gql(GENERATE, variables, token)
    assert body.get("data"), body
    return body["data"]["generateDocument"]  # type: ignore[no-any-return]


def job(api: Api, token: str | None, job_id: str) -> dict[str, Any] | None:
    return api.gql(JOB_QUERY, {"id": job_id}, token)["data"]["documentJob"]  # type: ignore[no-any-return]


def finished(api: Api, token: str, job_id: str) -> dict[str, Any]:
    """Poll the job, as a client does, until it is DONE or FAILED."""

    def done() -> dict[str, Any] | None:
        seen = job(api, token, job_id)
        return seen if seen and seen["status"] in ("DONE", "FAILED") else None

    return eventually(done, timeout=60)  # type: ignore[no-any-return]


def documents(api: Api, token: str | None, engagement: str) -> list[dict[str, Any]]:
    return api.gql(DOCUMENTS, {"e": engagement}, token)["data"]["documents"]  # type: ignore[no-any-return]


async def execute(url: str, sql: str, schema: str, **params: Any) -> None:
    """A write straight into a service's database (to stage what a crash leaves behind)."""
    args = {"server_settings": {"search_path": schema}} if url.startswith("postgresql") else {}
    engine = create_async_engine(url, connect_args=args)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql), params)
    finally:
        await engine.dispose()
