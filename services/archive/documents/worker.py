"""The document worker (文件生成): claims queued jobs, gathers the facts again in the
requester's name, renders in a thread (the event loop keeps serving requests), and files
the bytes as the next version of the document's series, the job's completion in the same
transaction.

A claim is a lease, renewed while the job makes progress. A worker that dies leaves its
job running with a lease that runs out; any worker then claims it again (a new attempt),
until its attempts are used up. Filing checks that the claim is still this worker's and
the item's id derives from the job, so a job is filed once however often it ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from contracts.archive import errors as archive_errors
from contracts.archive.documents import (
    DOCUMENT_CATEGORY,
    DocumentFormat,
    DocumentKind,
    DocumentMeta,
    DocumentPeriod,
)
from contracts.archive.enums import Retention
from contracts.archive.rpc_catalogue import Caller
from contracts.archive.rpc_documents import DocumentJobStatus
from contracts.core import DomainError, NotFound, ServiceUnavailable
from kit.logging import get_logger
from kit.rpc import CallContext
from services.archive.catalogue import repository as catalogue_repository
from services.archive.catalogue.commands.filing import NewRecord, file_bytes
from services.archive.documents import domain, facts, rendering, repository
from services.archive.documents.commands.generate import level_of
from services.archive.documents.deps import DocumentDeps
from services.archive.documents.models import DocumentJob, DocumentSeries
from services.archive.ledger.repository import chains, tree

log = get_logger(__name__)

# Item ids of generated documents: uuid5 of the job id in this namespace.
DOCUMENT_NAMESPACE = uuid.UUID("0b7e4f1c-3d2a-4c59-8e61-9a0d5f2c7b34")
# Jobs looked at per claim: the first still claimable is taken, the exhausted ones fail.
CLAIM_BATCH = 5


@dataclass(frozen=True)
class Claim:
    """A job as claimed: what rendering and filing need, outside any transaction."""

    job_id: UUID
    token: str
    attempt: int
    engagement_id: UUID
    kind: DocumentKind
    format: DocumentFormat
    period: DocumentPeriod | None
    template_id: UUID | None
    caller: Caller
    ctx: CallContext
    created_at: datetime


class RetryLater(Exception):
    """This attempt failed for a reason that may pass (a service down): try again."""


class JobFailed(Exception):
    """This job cannot succeed (the engagement is no longer visible to its requester,
    or its data no longer fills the document)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class DocumentWorker:
    def __init__(self, deps: DocumentDeps, name: str | None = None) -> None:
        self.deps = deps
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @property
    def _db(self) -> Any:
        return self.deps.runtime.db

    async def run(self, stopping: asyncio.Event) -> None:
        """Work until the service stops: claim, render, file; wait when nothing is queued."""
        interval = self.deps.settings.document_poll_interval
        while not stopping.is_set():
            try:
                worked = await self.run_once()
            except Exception as exc:  # the database away: try again at the next tick
                log.warning("document.worker_failed", error=str(exc) or type(exc).__name__)
                worked = False
            if worked:
                continue
            wake = self.deps.wake
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(wake, stopping), timeout=interval)
            wake.clear()

    async def run_once(self) -> bool:
        """Claim one job and carry it through; False when none was claimable."""
        claim = await self.claim()
        if claim is None:
            return False
        await self.process(claim)
        return True

    # --- claiming ---------------------------------------------------------------------

    async def claim(self) -> Claim | None:
        settings = self.deps.settings
        async with self._db.transaction() as session:
            now = datetime.now(UTC)
            for job in await repository.claimable_jobs(session, now, CLAIM_BATCH):
                if job.attempts >= job.max_attempts:
                    # Its last attempt's worker died: no attempt is left.
                    _fail(job, domain.WORKER_LOST, domain.FAILURES[domain.WORKER_LOST], now)
                    log.warning("document.failed", job_id=str(job.id), code=domain.WORKER_LOST)
                    continue
                if job.status == DocumentJobStatus.RUNNING:
                    log.warning("document.lease_expired", job_id=str(job.id), was=job.claimed_by)
                job.status = DocumentJobStatus.RUNNING
                job.attempts += 1
                job.claimed_by = f"{self.name}#{job.attempts}"
                job.lease_until = now + timedelta(seconds=settings.document_lease)
                job.progress = domain.CLAIMED
                job.started_at = job.started_at or now
                return _claim_of(job)
        return None

    # --- one job ----------------------------------------------------------------------

    async def process(self, claim: Claim) -> None:
        heartbeat = asyncio.create_task(self._heartbeat(claim))
        try:
            await self._generate(claim)
        except RetryLater as exc:
            await self._retry_or_fail(claim, str(exc))
        except (JobFailed, DomainError) as exc:
            await self._finish_failed(claim, exc.code, exc.message)
        except Exception as exc:
            log.exception("document.render_error", job_id=str(claim.job_id))
            await self._retry_or_fail(
                claim,
                f"生成失败：{type(exc).__name__} / rendering failed: {exc}",
                code=archive_errors.DocumentRenderFailed.code,
            )
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _generate(self, claim: Claim) -> None:
        try:
            gathered = await facts.gather(
                self.deps.rpc, claim.ctx, claim.caller, claim.engagement_id
            )
        except ServiceUnavailable as exc:
            raise RetryLater(domain.FAILURES[domain.FACTS_UNAVAILABLE]) from exc
        except NotFound as exc:
            code = domain.FACTS_UNAVAILABLE
            raise JobFailed(code, domain.FAILURES[code]) from exc
        source = await self._ledger_state(claim.engagement_id)
        await self._progress(claim, domain.GATHERED)
        meta = DocumentMeta(
            document_number=domain.document_number(
                claim.kind, claim.engagement_id, claim.job_id, claim.created_at
            ),
            generated_at=datetime.now(UTC),
            period=claim.period,
        )
        missing = rendering.missing(claim.kind, gathered, meta)
        if missing:
            # A job's message is stored once for whoever reads it: both languages.
            raise JobFailed(
                archive_errors.DocumentDataMissing.code,
                f"已记录的数据不再足以生成{domain.TITLES[claim.kind]} / the recorded data no "
                f"longer fills the document: {'; '.join(str(m) for m in missing)}",
            )
        template_meta, template = await self._template(claim)
        rendered = await asyncio.to_thread(
            rendering.render, claim.kind, claim.format, gathered, meta, template
        )
        await self._progress(claim, domain.RENDERED)
        metadata = {
            **source,
            **template_meta,
            "document-kind": str(claim.kind),
            "document-format": str(claim.format),
            "document-number": meta.document_number,
            "document-job": str(claim.job_id),
            "generated-at": meta.generated_at.isoformat(),
        }
        if rendered.page_count is not None:
            metadata["pages"] = str(rendered.page_count)
        if claim.period is not None:
            metadata["period"] = domain.period_key(claim.period)
        await self._file(claim, rendered, metadata, meta.generated_at.date())

    async def _template(
        self, claim: Claim
    ) -> tuple[dict[str, str], rendering.TemplateVariant | None]:
        """Which template the document is generated with: for its metadata, and the
        agency's variant for the renderer."""
        if claim.template_id is None:
            return {"template": rendering.STANDARD_TEMPLATE}, None
        async with self._db.transaction() as session:
            row = await repository.template(session, claim.template_id)
            assert row is not None  # templates are never deleted
            variant = rendering.variant(claim.kind, row.name, row.version, row.definition)
            return {"template": row.name, "template-version": str(row.version)}, variant

    async def _ledger_state(self, engagement_id: UUID) -> dict[str, str]:
        """What the ledger held when the facts were read: the global tree's size and the
        engagement's chain head (its last event)."""
        async with self._db.transaction() as session:
            size = await tree.size(session)
            head = await chains.head(session, engagement_id)
        state = {"ledger-tree-size": str(size)}
        if head is not None:
            state |= {
                "ledger-chain-seq": str(head.seq),
                "ledger-last-event-id": str(head.event_id),
                "ledger-chain-head": head.entry_hash,
            }
        return state

    async def _file(
        self,
        claim: Claim,
        rendered: rendering.RenderedDocument,
        metadata: dict[str, str],
        document_date: date,
    ) -> None:
        deps = self.deps
        async with self._db.transaction() as session:
            job = await self._own(session, claim)
            if job is None:
                return
            period_key = domain.period_key(claim.period)
            series = await repository.series(
                session, claim.engagement_id, claim.kind, claim.format, period_key
            )
            item_id = uuid.uuid5(DOCUMENT_NAMESPACE, str(claim.job_id))
            if series is None:
                series_id, version = item_id, 1
                session.add(
                    DocumentSeries(
                        series_id=series_id,
                        engagement_id=claim.engagement_id,
                        kind=claim.kind,
                        format=claim.format,
                        period_key=period_key,
                    )
                )
            else:
                series_id = series.series_id
                versions = await catalogue_repository.locked_series(session, series_id)
                version = versions[-1].version + 1
            row = await file_bytes(
                deps.catalogue,
                session,
                claim.ctx,
                NewRecord(
                    item_id=item_id,
                    series_id=series_id,
                    version=version,
                    engagement_id=claim.engagement_id,
                    agency_id=job.agency_id,
                    unit_id=job.unit_id,
                    category=DOCUMENT_CATEGORY[claim.kind],
                    title=domain.title(claim.kind, claim.period),
                    filename=rendered.filename,
                    content_type=rendered.media_type,
                    level=level_of(deps, claim.kind),
                    retention=deps.settings.document_retention.get(claim.kind, Retention.YEARS_10),
                    document_date=document_date,
                    metadata=metadata,
                    created_by=job.created_by,
                ),
                rendered.content,
                series_id=str(series_id),
                version=str(version),
                document_job=str(claim.job_id),
            )
            job.status = DocumentJobStatus.DONE
            job.progress = domain.FILED
            job.item_id = row.id
            job.lease_until = None
            job.finished_at = datetime.now(UTC)
        deps.runtime.committed()
        log.info("document.filed", job_id=str(claim.job_id), item_id=str(item_id), version=version)

    # --- progress and endings ---------------------------------------------------------

    async def _own(self, session: Any, claim: Claim) -> DocumentJob | None:
        """The job, locked, if this worker still holds it; None if another took it over."""
        job = await repository.locked_job(session, claim.job_id)
        if job is None or job.claimed_by != claim.token or job.status != DocumentJobStatus.RUNNING:
            log.warning("document.claim_lost", job_id=str(claim.job_id), token=claim.token)
            return None
        return job

    async def _progress(self, claim: Claim, percent: int) -> None:
        async with self._db.transaction() as session:
            job = await self._own(session, claim)
            if job is not None:
                job.progress = percent
                job.lease_until = datetime.now(UTC) + timedelta(
                    seconds=self.deps.settings.document_lease
                )

    async def _heartbeat(self, claim: Claim) -> None:
        """Renew the lease while a long render runs, at a third of its length."""
        lease = self.deps.settings.document_lease
        while True:
            await asyncio.sleep(lease / 3)
            async with self._db.transaction() as session:
                job = await self._own(session, claim)
                if job is None:
                    return
                job.lease_until = datetime.now(UTC) + timedelta(seconds=lease)

    async def _retry_or_fail(
        self, claim: Claim, message: str, code: str = domain.FACTS_UNAVAILABLE
    ) -> None:
        async with self._db.transaction() as session:
            job = await self._own(session, claim)
            if job is None:
                return
            if job.attempts >= job.max_attempts:
                _fail(job, code, message, datetime.now(UTC))
                log.warning("document.failed", job_id=str(job.id), code=code)
                return
            job.status = DocumentJobStatus.QUEUED
            job.claimed_by = None
            job.lease_until = None
            job.progress = 0
            job.error_code, job.error_message = code, message
            log.warning("document.retry", job_id=str(job.id), attempt=job.attempts, code=code)
        self.deps.wake.set()

    async def _finish_failed(self, claim: Claim, code: str, message: str) -> None:
        async with self._db.transaction() as session:
            job = await self._own(session, claim)
            if job is not None:
                _fail(job, code, message, datetime.now(UTC))
                log.warning("document.failed", job_id=str(job.id), code=code)


def _fail(job: DocumentJob, code: str, message: str, now: datetime) -> None:
    job.status = DocumentJobStatus.FAILED
    job.error_code, job.error_message = code, message
    job.claimed_by = None
    job.lease_until = None
    job.finished_at = now


def _claim_of(job: DocumentJob) -> Claim:
    period = None
    if job.period_start is not None and job.period_end is not None:
        period = DocumentPeriod(start=job.period_start, end=job.period_end)
    assert job.claimed_by is not None
    return Claim(
        job_id=job.id,
        token=job.claimed_by,
        attempt=job.attempts,
        engagement_id=job.engagement_id,
        kind=DocumentKind(job.kind),
        format=DocumentFormat(job.format),
        period=period,
        template_id=job.template_id,
        caller=Caller.model_validate(job.caller),
        ctx=CallContext(actor=job.actor, tenant=job.tenant, correlation_id=job.correlation_id),
        created_at=job.created_at,
    )


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
