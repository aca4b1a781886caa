"""Wiring of the archive service (档案与追溯): its one consumer of every event (ledger and
filing), the handover consumer, the retired filing consumer's drain, checkpointer, upload
sweep, document workers, endpoints."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from kit.logging import get_logger
from kit.rpc import RpcServer
from kit.runtime import Periodic, ServiceRuntime, Subscription, build_runtime
from kit.storage import ObjectStore
from kit.storage.base import OBJECT_LOCK_GOVERNANCE
from kit.storage.factory import build_store
from services.archive.catalogue import endpoints as catalogue_endpoints
from services.archive.catalogue import handlers as catalogue_handlers
from services.archive.catalogue import retired_filing
from services.archive.catalogue.commands import uploads
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.documents import endpoints as document_endpoints
from services.archive.documents.deps import DocumentDeps
from services.archive.documents.worker import DocumentWorker
from services.archive.handlers import archive_subscription
from services.archive.ledger import commands as ledger_commands
from services.archive.ledger import endpoints as ledger_endpoints
from services.archive.ledger.signing import Signer, load_signer
from services.archive.models import Base, messaging
from services.archive.settings import ArchiveSettings, ArchiveStorageSettings

log = get_logger(__name__)

# Whether finalised items are under object lock, on /metrics: one series at 1, labelled
# "governance", "not enabled on the bucket" or "not supported".
OBJECT_LOCK = Gauge(
    "ecohost_archive_object_lock",
    "Object lock (governance mode) of finalised archive items, detected at start-up",
    ["status"],
)

NAME = "archive"
MIGRATIONS = Path(__file__).parent / "migrations"
# Both subdomains declare their tables on this one metadata; their endpoints, imported
# above, import their models.
METADATA = Base.metadata


def build(settings: ArchiveSettings | None = None) -> ServiceRuntime:
    return build_runtime(NAME, settings or ArchiveSettings(), messaging)


async def open_storage(settings: ArchiveStorageSettings | None = None) -> ObjectStore:
    """The deliverables store, with its bucket ready; retried while S3 starts up."""
    settings = settings or ArchiveStorageSettings()
    store = build_store(settings)
    for attempt in range(1, 31):
        try:
            await store.ensure_bucket()
            break
        except Exception as exc:
            if attempt == 30:
                raise
            log.warning("storage.not_ready", backend=settings.backend, error=str(exc))
            await asyncio.sleep(min(2.0, 0.2 * attempt))
    where = settings.s3_bucket if settings.backend == "s3" else str(settings.local_root)
    lock = await store.object_lock()
    OBJECT_LOCK.clear()
    OBJECT_LOCK.labels(status=lock).set(1)
    log.info("storage.ready", backend=settings.backend, location=where, object_lock=lock)
    if lock != OBJECT_LOCK_GOVERNANCE:
        log.warning("storage.object_lock_off", object_lock=lock)
    return store


def ledger_signer(settings: ArchiveSettings) -> Signer:
    key = settings.ledger_signing_key
    return load_signer(
        settings.ledger_origin, key.get_secret_value() if key else None, settings.ledger_key_file
    )


async def open_catalogue(runtime: ServiceRuntime) -> CatalogueDeps:
    """The deliverables store and the ledger's signer, as the use cases use them."""
    settings = runtime.settings
    assert isinstance(settings, ArchiveSettings)
    signer = ledger_signer(settings)
    log.info("ledger.key", verifier_key=signer.verifier_key)
    return CatalogueDeps(store=await open_storage(), settings=settings, signer=signer)


def register_endpoints(server: RpcServer, runtime: ServiceRuntime, deps: DocumentDeps) -> None:
    ledger_endpoints.register(server, runtime, deps.catalogue.signer)
    catalogue_endpoints.register(server, runtime, deps.catalogue)
    document_endpoints.register(server, runtime, deps)


def subscriptions(deps: CatalogueDeps) -> list[Subscription]:
    return [archive_subscription(deps), catalogue_handlers.handover_subscription(deps)]


async def consumers(runtime: ServiceRuntime) -> list[Subscription]:
    """The durable consumers and their handlers (also what a dead-letter replay runs),
    the retired filing consumer's too: its dead letters of before the upgrade."""
    deps = await open_catalogue(runtime)
    return [*subscriptions(deps), catalogue_handlers.retired_filing_subscription(deps)]


async def start(runtime: ServiceRuntime) -> None:
    deps = await open_catalogue(runtime)
    settings = deps.settings
    documents = DocumentDeps(catalogue=deps, runtime=runtime)
    # Each worker renders one document at a time; the replica's event loop stays free.
    workers = [DocumentWorker(documents).run for _ in range(settings.document_workers)]
    # An upgraded deployment's filing durable of before, drained then deleted.
    retired = catalogue_handlers.retired_filing_subscription(deps)
    background = [*workers, retired_filing.drainer(runtime, retired)]

    async def checkpoint(session: AsyncSession) -> int:
        await ledger_commands.create_checkpoint_if_grown(session, deps.signer)
        return 0  # records no events: nothing for the relay

    async def sweep(session: AsyncSession) -> int:
        return await uploads.expire_uploads(deps, session)

    periodic = []
    if settings.ledger_checkpoint_interval > 0:
        periodic.append(
            Periodic("ledger-checkpoint", settings.ledger_checkpoint_interval, checkpoint)
        )
    if settings.upload_cleanup_interval > 0:
        periodic.append(Periodic("upload-sweep", settings.upload_cleanup_interval, sweep))
    await runtime.start(
        register_endpoints=lambda server, rt: register_endpoints(server, rt, documents),
        subscriptions=subscriptions(deps),
        periodic=periodic,
        background=background,
        description="Archive: deliverables, handover, access control and the trace ledger",
    )
