"""An agency's template variants (模板): validated by the renderer before they are
stored, versioned by name, never changed once stored."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import errors as archive_errors
from contracts.archive.rpc_documents import DocumentTemplateView, RegisterTemplateRequest
from kit.ids import new_id
from kit.logging import get_logger
from kit.rpc import CallContext
from services.archive.documents import rendering, repository
from services.archive.documents.models import DocumentTemplate
from services.archive.documents.views import template_view

log = get_logger(__name__)


async def register_template(
    session: AsyncSession, req: RegisterTemplateRequest, ctx: CallContext
) -> DocumentTemplateView:
    agency_id = req.caller.scope.agency_id
    if agency_id is None:
        raise archive_errors.ArchiveRecordNotFound("no agency to register for", field="kind")
    problems = rendering.problems(req.kind, req.name, req.definition)
    if problems:
        # `problems` in English; `problems_messages` for the gateway to say each one.
        raise archive_errors.InvalidDocumentTemplate(
            "the template variant has {count} problem(s): {problems}",
            params={"count": len(problems), "problems": [str(p) for p in problems]},
            field="definition",
            details={
                "problems": [str(p) for p in problems],
                "problems_messages": [p.to_dict() for p in problems],
            },
        )
    latest = await repository.latest_template(session, agency_id, req.kind, req.name)
    row = DocumentTemplate(
        id=new_id(),
        agency_id=agency_id,
        kind=req.kind,
        name=req.name,
        version=latest.version + 1 if latest else 1,
        definition=dict(req.definition),
        created_by=ctx.actor,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    log.info("document.template_registered", name=req.name, kind=req.kind, version=row.version)
    return template_view(row)
