"""Variants of an evaluation table (考核表) that an agency defines for its contracts.
Runs in the caller's transaction: flush, never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import rpc as evaluation_rpc
from kit.ids import new_id
from kit.rpc import CallContext
from services.evaluation import repository, templates
from services.evaluation.models import EvaluationTemplate
from services.evaluation.views import template_view


async def define_template(
    session: AsyncSession, req: evaluation_rpc.DefineTemplateRequest, ctx: CallContext
) -> evaluation_rpc.TemplateView:
    """A contract's variant of the table, checked before it can be used (R7.1). It
    belongs to the defining agency: no other agency sees or uses it."""
    definition = templates.validate_template(req.definition)
    existing = await repository.codes_in_use(session, definition.code, req.agency_id)
    if any(t.agency_id is None for t in existing):
        raise evaluation_errors.InvalidTemplate.because(
            "{code} is a table of the standard; give the variant its own code",
            "code",
            code=definition.code,
        )
    if any(t.version == definition.version for t in existing):
        raise evaluation_errors.InvalidTemplate.because(
            "template {code} version {version} exists; use a new version",
            "version",
            code=definition.code,
            version=definition.version,
        )
    row = EvaluationTemplate(
        id=new_id(),
        agency_id=req.agency_id,
        code=definition.code,
        version=definition.version,
        definition=definition.model_dump(mode="json"),
        created_at=datetime.now(UTC),
        created_by=ctx.actor,
    )
    session.add(row)
    await session.flush()
    return template_view(row)
