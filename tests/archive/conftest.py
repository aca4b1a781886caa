"""A migrated archive database (SQLite and PostgreSQL), a signing key, and events fed
through the same handler and transaction shape as the inbox consumer."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from contracts.core import EventEnvelope
from kit.db import Database
from kit.ids import new_id
from kit.storage import ObjectStore
from kit.storage.local import LocalStore
from kit.storage.s3 import S3Store
from services.archive import app
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.ledger import commands
from services.archive.ledger.signing import Signer, signer_from_seed
from services.archive.settings import ArchiveSettings
from tests.infra.databases import migrated_database
from tests.infra.s3_server import S3_SERVERS, S3Server

ORIGIN = "test.ecohost/ledger"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, "archive", app.MIGRATIONS) as database:
        yield database


@pytest.fixture
def signer() -> Signer:
    return signer_from_seed(ORIGIN, base64.b64encode(b"\x07" * 32).decode())


@pytest.fixture(params=["local", "moto"])
async def archive(request: pytest.FixtureRequest, tmp_path: Path, signer: Signer) -> CatalogueDeps:
    """The catalogue's dependencies on each object store: local, and S3 (moto's server;
    SeaweedFS too for the storage tests, see tests/archive/stores.py)."""
    store: ObjectStore
    if request.param in S3_SERVERS:
        server: S3Server = request.getfixturevalue(S3_SERVERS[request.param])
        bucket = f"archive-{uuid.uuid4().hex[:12]}"
        store = S3Store(server.endpoint, server.access_key, server.secret_key, bucket, secure=False)
    else:
        store = LocalStore(tmp_path / "objects", signing_key=b"k", base_url="http://x/files")
    await store.ensure_bucket()
    return CatalogueDeps(store=store, settings=ArchiveSettings(upload_expiry=3600), signer=signer)


def event(engagement_id: UUID | None = None, n: int = 0) -> EventEnvelope:
    return EventEnvelope(
        event_id=new_id(),
        type="engagement.created.v1" if engagement_id else "engagement.unit_registered.v1",
        occurred_at=datetime.now(UTC),
        actor="alice",
        tenant="agency:0192f3a0-0000-7000-8000-000000000001",
        engagement_id=engagement_id,
        correlation_id=f"test-{n}",
        data={"n": n},
    )


async def record(db: Database, *events: EventEnvelope) -> None:
    """One transaction per event, as `EventConsumer` applies them."""
    for e in events:
        async with db.transaction() as session:
            await commands.record(session, e)


async def checkpoint(db: Database, signer: Signer) -> int:
    async with db.transaction() as session:
        return (await commands.create_checkpoint(session, signer)).tree_size


async def populate(db: Database, signer: Signer, n: int = 12) -> list[EventEnvelope]:
    """n events over two engagements and none, with checkpoints at 5 and at n."""
    engagements = [new_id(), new_id()]
    events = [event(engagements[i % 3] if i % 3 < 2 else None, i) for i in range(n)]
    await record(db, *events[:5])
    await checkpoint(db, signer)
    await record(db, *events[5:])
    await checkpoint(db, signer)
    return events
