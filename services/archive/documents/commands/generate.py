"""Requesting a document (文件生成): checked and queued at once, rendered later by a
worker. What can be known now is refused now, with nothing written: a format the kind
does not come in, an engagement the requester may not see, data the document cannot do
without (`DocumentDataMissing` names it), an unknown template variant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import errors as archive_errors
from contracts.archive.documents import DocumentKind, DocumentMeta, EngagementFacts
from contracts.archive.rpc_documents import (
    DocumentJobStatus,
    DocumentJobView,
    GenerateDocumentRequest,
)
from contracts.engagement.errors import EngagementNotFound
from kit.ids import new_id
from kit.logging import get_logger
from kit.rpc import CallContext
from services.archive.catalogue import repository as catalogue_repository
from services.archive.documents import domain, facts, rendering, repository
from services.archive.documents.deps import DocumentDeps
from services.archive.documents.models import DocumentJob
from services.archive.documents.views import job_view

log = get_logger(__name__)


@dataclass(frozen=True)
class Checked:
    """A request that passed every check that needs no transaction."""

    request: GenerateDocumentRequest
    facts: EngagementFacts


async def check(deps: DocumentDeps, req: GenerateDocumentRequest, ctx: CallContext) -> Checked:
    """The checks before the transaction: the facts are gathered over NATS, and no
    transaction stays open meanwhile."""
    if not (domain.offered(req.kind, req.format) and rendering.available(req.kind, req.format)):
        offered = sorted(
            f for f in domain.OFFERED_FORMATS[req.kind] if rendering.available(req.kind, f)
        )
        raise archive_errors.DocumentFormatNotOffered(
            "{kind} is not produced as {format}, only as {offered}",
            params={
                "kind": str(req.kind),
                "format": str(req.format),
                "offered": [str(f) for f in offered],
            },
            field="format",
            details={"offered": [str(f) for f in offered]},
        )
    if req.caller.scope.agency_id is None:
        # Documents are the serving agency's work; anyone else sees no such engagement.
        raise EngagementNotFound("no such engagement", field="engagement_id")
    gathered = await facts.gather(deps.rpc, ctx, req.caller, req.engagement_id)
    if gathered.engagement.agency_id != req.caller.scope.agency_id:
        raise EngagementNotFound("no such engagement", field="engagement_id")
    # What the cover would show; the job's own number comes when it runs.
    meta = DocumentMeta(
        document_number=domain.document_number(
            req.kind, req.engagement_id, new_id(), datetime.now(UTC)
        ),
        generated_at=datetime.now(UTC),
        period=req.period,
    )
    missing = rendering.missing(req.kind, gathered, meta)
    if missing:
        # `missing` in English; `missing_messages` for the gateway to say each one.
        raise archive_errors.DocumentDataMissing(
            "the recorded data cannot fill the {kind} yet: {missing}",
            params={"kind": str(req.kind), "missing": [str(m) for m in missing]},
            details={
                "missing": [str(m) for m in missing],
                "missing_messages": [m.to_dict() for m in missing],
            },
        )
    return Checked(request=req, facts=gathered)


async def enqueue(
    deps: DocumentDeps, session: AsyncSession, checked: Checked, ctx: CallContext
) -> DocumentJobView:
    """Queue the job; the caller wakes this replica's workers after the commit."""
    req, engagement = checked.request, checked.facts.engagement
    template = None
    if req.template is not None:
        template = await repository.latest_template(
            session, engagement.agency_id, req.kind, req.template
        )
        if template is None:
            raise archive_errors.DocumentTemplateNotFound(
                "your agency has no template variant named {template} for the {kind}",
                params={"template": req.template, "kind": str(req.kind)},
                field="template",
            )
    level = level_of(deps, req.kind)
    if level > req.caller.clearance:
        # The requester could not read what it asked for.
        raise archive_errors.ArchiveStateConflict(
            "documents of this kind are filed at level {level}, above your clearance",
            params={"level": level},
            field="kind",
        )
    await catalogue_repository.remember_parties(
        session, engagement.id, engagement.agency_id, engagement.unit_id
    )
    now = datetime.now(UTC)
    row = DocumentJob(
        id=new_id(),
        engagement_id=engagement.id,
        agency_id=engagement.agency_id,
        unit_id=engagement.unit_id,
        kind=req.kind,
        format=req.format,
        period_start=req.period.start if req.period else None,
        period_end=req.period.end if req.period else None,
        template_id=template.id if template else None,
        template=template.name if template else None,
        template_version=template.version if template else None,
        caller=req.caller.model_dump(mode="json"),
        actor=ctx.actor,
        tenant=ctx.tenant,
        correlation_id=ctx.correlation_id,
        status=DocumentJobStatus.QUEUED,
        progress=0,
        attempts=0,
        max_attempts=deps.settings.document_max_attempts,
        created_by=ctx.actor,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    log.info("document.queued", job_id=str(row.id), kind=req.kind, format=req.format)
    return job_view(row)


def level_of(deps: DocumentDeps, kind: DocumentKind) -> int:
    return deps.settings.document_levels.get(kind, 1)
