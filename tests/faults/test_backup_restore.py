"""The backup and restore drill of docs/operations.md, on PostgreSQL, NATS and S3.

While a burst runs: pg_dump, `ecohost events export` and a copy of the bucket. Then a
fresh stack (new database, new NATS, new bucket) restored from them: `ecohost ledger
verify` passes, also against the last published checkpoint, and every restored
engagement reads the same as on the original. A dump taken *before* that checkpoint
verifies alone (it is consistent in itself) but fails against the checkpoint:
rollback detected."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.nats import start_nats
from cli.process import free_port
from cli.stack import SERVICES, Stack, StackConfig
from gateway.ids import encode_global_id
from kit.ids import new_id
from tests.e2e.harness import Api, RunningSystem, token
from tests.faults.burst import census, global_uuid, run_burst
from tests.faults.drill import (
    copy_bucket,
    ecohost,
    ecohost_json,
    listing,
    pg_dump,
    pg_restore,
)
from tests.infra.postgres import PostgresInfo
from tests.infra.s3_server import S3Server

BURST = int(os.environ.get("ECOHOST_DRILL_BURST", "120"))
"""Engagements per phase of traffic (three phases)."""
SIGNING_KEY = base64.b64encode(b"drill-ledger-signing-key-32bytes").decode()
CHECKPOINT = """mutation { createCheckpoint { __typename
  ... on CreateCheckpointSuccess { checkpoint { treeSize note } } } }"""


def _env(pg: PostgresInfo, database: str, s3: S3Server, bucket: str) -> dict[str, str]:
    env = {
        "ECOHOST_GATEWAY_RPC_TIMEOUT": "5",
        "ECOHOST_ARCHIVE_LEDGER_SIGNING_KEY": SIGNING_KEY,
        "ECOHOST_ARCHIVE_STORAGE_BACKEND": "s3",
        "ECOHOST_ARCHIVE_STORAGE_S3_ENDPOINT": s3.endpoint,
        "ECOHOST_ARCHIVE_STORAGE_S3_ACCESS_KEY": s3.access_key,
        "ECOHOST_ARCHIVE_STORAGE_S3_SECRET_KEY": s3.secret_key,
        "ECOHOST_ARCHIVE_STORAGE_S3_SECURE": "false",
        "ECOHOST_ARCHIVE_STORAGE_S3_BUCKET": bucket,
    }
    return env


def _config(data_dir: Path, url: str, env: dict[str, str], nats_url: str | None) -> StackConfig:
    return StackConfig(
        data_dir=data_dir,
        gateway_port=free_port(),
        nats_url=nats_url,
        database_urls={name: url for name in (*SERVICES, "gateway")},
        env=env,
        log_format="json",
        log_level="WARNING",
        ready_timeout=120,
    )


@contextlib.contextmanager
def _running(config: StackConfig) -> Iterator[RunningSystem]:
    with Stack(config, sink=lambda _n, _l: None) as stack, httpx.Client(timeout=30) as client:
        urls = {name: config.database_url(name) for name in (*SERVICES, "gateway")}
        yield RunningSystem(stack=stack, api=Api(stack.gateway_url, client), database_urls=urls)


def _cli_env(config: StackConfig) -> dict[str, str]:
    """What `ecohost` needs to act on this stack: every service's settings."""
    return Stack(config)._environment(*SERVICES)


async def _nothing() -> None:
    return None


@pytest.mark.timeout(900 + 3 * BURST)
async def test_backup_while_traffic_runs_restores_into_a_fresh_stack_and_a_rollback_is_detected(
    postgres: PostgresInfo, s3_server: S3Server, tmp_path: Path
) -> None:
    suffix = new_id().hex[:8]
    source_db, restored_db, older_db = (f"drill_{n}_{suffix}" for n in ("a", "b", "old"))
    buckets = {n: f"drill-{n}-{suffix}" for n in ("a", "backup", "b")}
    url_a = postgres.create_database(source_db)
    config_a = _config(
        tmp_path / "a", url_a, _env(postgres, source_db, s3_server, buckets["a"]), None
    )
    backup = tmp_path / "backup"
    backup.mkdir()
    tok = token(f"agency:{new_id()}", "agency_admin", "archive_keeper")

    with _running(config_a) as a:
        gateways = [a.stack.gateway_url]
        unit = a.api.create_unit(tok)
        assert unit["__typename"] == "CreateUnitSuccess", unit
        unit_id = unit["unit"]["id"]

        async def traffic() -> None:
            await run_burst(gateways, tok, unit_id, BURST, _nothing, fault_after=BURST + 1)

        # 1. Traffic, and meanwhile the dump a rollback will restore.
        phase = asyncio.create_task(traffic())
        await asyncio.sleep(1)
        await asyncio.to_thread(pg_dump, postgres, source_db, backup / "older.dump")
        await phase
        # 2. More traffic; once settled, the checkpoint published (kept by auditors).
        await traffic()
        await census(a, global_uuid(unit_id), timeout=120 + BURST)
        signed = a.api.gql(CHECKPOINT, token=tok)["data"]["createCheckpoint"]
        assert signed["__typename"] == "CreateCheckpointSuccess", signed
        published = backup / "published.note"
        published.write_text(signed["checkpoint"]["note"])
        # 3. The backup, while traffic runs: database, then events, then the bucket.
        phase = asyncio.create_task(traffic())
        await asyncio.sleep(1)
        await asyncio.to_thread(pg_dump, postgres, source_db, backup / "database.dump")
        code, exported = await asyncio.to_thread(
            ecohost_json,
            a.stack._environment(*SERVICES),
            "events",
            "export",
            str(backup / "events.jsonl"),
        )
        assert code == 0, exported
        assert exported["exported"] > 0, exported
        copied = await asyncio.to_thread(copy_bucket, s3_server, buckets["a"], buckets["backup"])
        await phase
        await census(a, global_uuid(unit_id), timeout=120 + BURST)

        # 4. A fresh stack from the backup: new database, NATS and bucket.
        url_b = pg_restore(postgres, backup / "database.dump", restored_db)
        assert copy_bucket(s3_server, buckets["backup"], buckets["b"]) == copied
        nats_b = start_nats(tmp_path / "b" / "nats")
        try:
            env_b = _env(postgres, restored_db, s3_server, buckets["b"])
            config_b = _config(tmp_path / "b", url_b, env_b, nats_b.url)
            code, restored = ecohost_json(
                _cli_env(config_b), "events", "restore", str(backup / "events.jsonl")
            )
            assert code == 0, restored
            assert restored["published"] + restored["dropped"] == exported["exported"]
            with _running(config_b) as b:
                settled = await census(b, global_uuid(unit_id), timeout=120 + BURST)
                assert (settled.lost, settled.duplicated) == (0, 0), settled.counts
                assert listing(s3_server, buckets["b"]) == copied
                code, report = ecohost_json(
                    _cli_env(config_b), "ledger", "verify", "--checkpoint", str(published)
                )
                assert (code, report["valid"], report["problems"]) == (0, True, [])
                # Every restored engagement reads the same on both stacks.
                for engagement in sorted(settled.engagements)[:100]:
                    gid = encode_global_id("Engagement", engagement)
                    assert b.api.engagement(tok, gid) == a.api.engagement(tok, gid)
                assert len(settled.engagements) >= 2 * BURST
        finally:
            nats_b.stop()

    # 5. Rollback: the older dump is consistent in itself, but not with what was published.
    url_old = pg_restore(postgres, backup / "older.dump", older_db)
    env_old = _cli_env(
        _config(
            tmp_path / "old",
            url_old,
            _env(postgres, older_db, s3_server, "x"),
            "nats://127.0.0.1:1",
        )
    )
    code, alone = ecohost_json(env_old, "ledger", "verify")
    assert (code, alone["valid"]) == (0, True), alone
    code, detected = ecohost_json(env_old, "ledger", "verify", "--checkpoint", str(published))
    assert (code, detected["valid"]) == (1, False)
    [problem] = detected["problems"]
    assert problem.startswith("checkpoint kept (size ")
    assert "a database restored from before this checkpoint?" in problem
    assert ecohost(env_old, "ledger", "verify").returncode == 0
