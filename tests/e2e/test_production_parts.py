"""The same code on production parts, chosen by settings alone (issue #2, point 4)."""

from __future__ import annotations

from minio import Minio

from kit.ids import new_id
from tests.e2e.conftest import PRODUCTION_BUCKET
from tests.e2e.harness import RunningSystem, token
from tests.infra.s3_server import S3Server


async def test_production_parts_serve_the_slice(
    production_system: RunningSystem, s3_server: S3Server
):
    system = production_system
    # PostgreSQL: each service migrated its own schema.
    for schema in ("engagement", "evaluation", "archive"):
        tables = await system.count(
            "engagement",
            "select count(*) from information_schema.tables where table_schema = :s",
            s=schema,
        )
        assert tables >= 4, schema  # its tables plus outbox, inbox, dead_letters
    # S3: the archive created its versioned bucket at start-up.
    client = Minio(s3_server.endpoint, s3_server.access_key, s3_server.secret_key, secure=False)
    assert client.bucket_exists(PRODUCTION_BUCKET)
    assert client.get_bucket_versioning(PRODUCTION_BUCKET).status == "Enabled"
    # And the slice works end to end on them.
    tok = token(f"agency:{new_id()}", "agency_admin")
    unit = system.api.create_unit(tok)
    assert unit["__typename"] == "CreateUnitSuccess"
    made = system.api.create_engagement(tok, unit["unit"]["id"])
    assert made["__typename"] == "CreateEngagementSuccess"
