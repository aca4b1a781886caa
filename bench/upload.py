"""Upload: a deliverable through requestUpload/completeUpload against a raw minio put_object.

    python -m bench.upload [--mb 200] [--big-mb 1024] [--repeat 3]

One S3 server (`moto_server`, tests/infra/s3_server.py), one nats-server and the
archive service as its own process (`python -m services.archive`, S3 backend,
SQLite catalogue), all started here.

- **raw**: the minio SDK's `put_object` of the file (opened from disk, its length
  given; the SDK's own part size and threads) to the same server and bucket.
- **archive**: `requestUpload` over NATS, a PUT of the file to the presigned URL
  streamed from disk by httpx, then `completeUpload`: the service stats the
  object, re-hashes it streamed from S3 (SHA-256) and files it (object lock
  included where the bucket has it). The time is all three; PUT and completion
  are also shown alone.

Rounds alternate raw and archive; the median round of each is shown. Then a
`--big-mb` file goes through the archive path once while the service process's
RSS is sampled every 20 ms (psutil): the growth is the peak minus the RSS just
before requestUpload.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import nats
import psutil  # type: ignore[import-untyped]
from minio import Minio
from minio.deleteobjects import DeleteObject

from bench import common
from contracts.archive import enums as archive_enums
from contracts.archive import rpc as ledger_contracts
from contracts.archive import rpc_catalogue as c
from contracts.core import Scope
from kit.db import Database
from kit.ids import new_id
from kit.migrate import upgrade
from kit.rpc import CallContext, RpcClient
from services.archive import app
from tests.infra.s3_server import S3Server, running_s3_server

BUCKET = "bench-upload"
CALLER = c.Caller(scope=Scope(agency_id=new_id()), clearance=3)
CTX = CallContext(actor="bench", tenant=f"agency:{CALLER.scope.agency_id}", correlation_id="b")
BLOCK = 1024 * 1024


@dataclass
class Round:
    total: float
    put: float = 0.0
    complete: float = 0.0


def make_file(path: Path, mb: int) -> str:
    """`mb` MiB of random bytes on disk; returns their SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as f:
        for _ in range(mb):
            block = os.urandom(BLOCK)
            digest.update(block)
            f.write(block)
    return digest.hexdigest()


def start_service(tmp: Path, nats_url: str, s3: S3Server) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ECOHOST_ARCHIVE_DATABASE_URL": common.sqlite_url(tmp / "archive.db"),
        "ECOHOST_ARCHIVE_NATS_URL": nats_url,
        "ECOHOST_ARCHIVE_LOG_LEVEL": "WARNING",
        "ECOHOST_ARCHIVE_LEDGER_KEY_FILE": str(tmp / "ledger.key"),
        "ECOHOST_ARCHIVE_LEDGER_CHECKPOINT_INTERVAL": "0",
        "ECOHOST_ARCHIVE_UPLOAD_CLEANUP_INTERVAL": "0",
        "ECOHOST_ARCHIVE_UPLOAD_MAX_BYTES": str(4 * 1024**3),
        "ECOHOST_ARCHIVE_STORAGE_BACKEND": "s3",
        "ECOHOST_ARCHIVE_STORAGE_S3_ENDPOINT": s3.endpoint,
        "ECOHOST_ARCHIVE_STORAGE_S3_ACCESS_KEY": s3.access_key,
        "ECOHOST_ARCHIVE_STORAGE_S3_SECRET_KEY": s3.secret_key,
        "ECOHOST_ARCHIVE_STORAGE_S3_BUCKET": BUCKET,
        "ECOHOST_ARCHIVE_STORAGE_S3_SECURE": "false",
    }
    log = (tmp / "archive.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "services.archive"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


async def wait_ready(client: RpcClient, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"the archive service exited with {proc.returncode}")
        try:
            await client.call(ledger_contracts.LEDGER_KEY, ledger_contracts.Empty(), CTX)
            return
        except Exception:
            await asyncio.sleep(0.2)
    raise RuntimeError("the archive service did not answer")


def raw_put(s3: Minio, path: Path, key: str) -> Round:
    with common.Stopwatch() as sw, path.open("rb") as f:
        s3.put_object(BUCKET, key, f, path.stat().st_size, content_type="application/zip")
    return Round(sw.seconds)


def put_file(url: str, headers: dict[str, str], path: Path) -> None:
    size = path.stat().st_size
    with path.open("rb") as f, httpx.Client(timeout=600) as http:
        r = http.put(url, content=f, headers={**headers, "Content-Length": str(size)})
        r.raise_for_status()


async def archive_upload(
    client: RpcClient, path: Path, size: int, sha256: str
) -> tuple[Round, str]:
    with common.Stopwatch() as total:
        ticket = await client.call(
            c.REQUEST_UPLOAD,
            c.RequestUploadRequest(
                caller=CALLER,
                engagement_id=new_id(),
                agency_id=CALLER.scope.agency_id,
                unit_id=new_id(),
                category=archive_enums.ItemCategory.RESULTS_REPORT,
                title="bench",
                filename="bench.zip",
                content_type="application/zip",
                size=size,
                sha256=sha256,
                level=1,
                retention=archive_enums.Retention.YEARS_10,
                document_date=date.today(),
            ),
            CTX,
        )
        with common.Stopwatch() as put:
            await asyncio.to_thread(put_file, ticket.url, ticket.headers, path)
        with common.Stopwatch() as complete:
            item = await client.call(
                c.COMPLETE_UPLOAD,
                c.ItemRequest(caller=CALLER, item_id=ticket.item.id),
                CTX,
                timeout=600,
            )
    assert item.status == archive_enums.ItemStatus.FILED
    assert item.sha256 == sha256
    return Round(total.seconds, put.seconds, complete.seconds), f"{item.engagement_id}/{item.id}/1"


def drop(s3: Minio, key: str) -> None:
    """Every version of `key` (the server keeps them in memory or temp files); filed
    items are under object lock, so this bypasses governance mode as an admin may."""
    versions = [
        DeleteObject(key, v.version_id)
        for v in s3.list_objects(BUCKET, prefix=key, include_version=True)
        if v.object_name == key
    ]
    for error in s3.remove_objects(BUCKET, versions, bypass_governance_mode=True):
        raise RuntimeError(f"could not remove {key}: {error}")


class RssSampler:
    def __init__(self, pid: int) -> None:
        self._proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return int(self._proc.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def mb_per_s(size: int, seconds: float) -> str:
    return f"{size / BLOCK / seconds:,.1f}"


async def measure(
    tmp: Path, nats_url: str, s3: S3Server, mb: int, big_mb: int, repeat: int
) -> None:
    db = Database(common.sqlite_url(tmp / "archive.db"))
    await upgrade(db, app.MIGRATIONS)
    await db.dispose()
    proc = start_service(tmp, nats_url, s3)
    nc = await nats.connect(nats_url)
    raw_client = Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False)
    try:
        client = RpcClient(nc, timeout=30)
        await wait_ready(client, proc)
        path = tmp / "file.bin"
        sha = make_file(path, mb)
        size = path.stat().st_size
        raws: list[Round] = []
        ours: list[Round] = []
        for i in range(repeat):
            raws.append(await asyncio.to_thread(raw_put, raw_client, path, f"raw/{i}"))
            drop(raw_client, f"raw/{i}")
            got, key = await archive_upload(client, path, size, sha)
            ours.append(got)
            drop(raw_client, key)
        raw = sorted(raws, key=lambda r: r.total)[len(raws) // 2]
        our = sorted(ours, key=lambda r: r.total)[len(ours) // 2]
        rows = [
            ["raw minio put_object", f"{raw.total:.2f}", mb_per_s(size, raw.total), "1.00", ""],
            [
                "archive: request + PUT + complete",
                f"{our.total:.2f}",
                mb_per_s(size, our.total),
                f"{raw.total / our.total:.2f}",
                f"PUT {our.put:.2f} s, complete {our.complete:.2f} s",
            ],
            [
                "archive: the PUT alone",
                f"{our.put:.2f}",
                mb_per_s(size, our.put),
                f"{raw.total / our.put:.2f}",
                "",
            ],
        ]
        all_raw = [round(r.total, 2) for r in raws]
        all_ours = [round(r.total, 2) for r in ours]
        common.report(
            f"Upload of {mb} MiB (median of {repeat} alternating rounds; all rounds "
            f"raw {all_raw}, archive {all_ours})",
            ["path", "seconds", "MiB/s", "× raw", "parts"],
            rows,
        )
        path.unlink()

        big = tmp / "big.bin"
        big_sha = make_file(big, big_mb)
        sampler = RssSampler(proc.pid)
        before = sampler.rss()
        with sampler:
            got, key = await archive_upload(client, big, big_mb * BLOCK, big_sha)
        drop(raw_client, key)
        common.report(
            f"Archive service memory while a {big_mb} MiB file is uploaded and completed",
            ["RSS before", "peak RSS", "growth", "upload s", "complete s"],
            [
                [
                    f"{before / BLOCK:,.1f} MiB",
                    f"{sampler.peak / BLOCK:,.1f} MiB",
                    f"{(sampler.peak - before) / BLOCK:,.1f} MiB",
                    f"{got.put:.2f}",
                    f"{got.complete:.2f}",
                ]
            ],
        )
        print(f"\nobject lock: {object_lock_line(tmp)}")
    finally:
        await nc.close()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def object_lock_line(tmp: Path) -> str:
    """The service logs `storage.object_lock_off` (a warning) when it cannot lock."""
    for line in (tmp / "archive.log").read_text(errors="replace").splitlines():
        if "object_lock" in line:
            return line.strip()
    return "on (governance mode; the service logged no storage.object_lock_off)"


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=0)
    p.add_argument("--mb", type=int, default=200, help="MiB of the compared file")
    p.add_argument("--big-mb", type=int, default=1024, help="MiB of the memory-measured file")
    p.add_argument("--repeat", type=int, default=3, help="alternating rounds")
    args = p.parse_args()
    print(common.machine_facts(args.loop))
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("upload"))
        server = stack.enter_context(common.nats_server())
        s3 = stack.enter_context(running_s3_server())
        nats_url = f"nats://{server.host}:{server.port}"
        common.run_async(measure(tmp, nats_url, s3, args.mb, args.big_mb, args.repeat), args.loop)


if __name__ == "__main__":
    common.run_main(main)
