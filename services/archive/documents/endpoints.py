"""Request/reply endpoints of generated documents."""

from __future__ import annotations

from contracts.archive import rpc_documents
from kit import idempotency
from kit.endpoints import command, query
from kit.rpc import CallContext, RawReply, RpcServer
from kit.runtime import ServiceRuntime
from services.archive.documents import queries
from services.archive.documents.commands import generate, templates
from services.archive.documents.deps import DocumentDeps


def register(server: RpcServer, runtime: ServiceRuntime, deps: DocumentDeps) -> None:
    async def generate_document(
        req: rpc_documents.GenerateDocumentRequest, ctx: CallContext
    ) -> rpc_documents.DocumentJobView | RawReply:
        # The facts are gathered before the transaction opens: no transaction waits on NATS.
        checked = await generate.check(deps, req, ctx)
        # With an idempotency key, a retry answers with the job first queued.
        job = await idempotency.run_once(
            runtime.db,
            runtime.tables.idempotency,
            ctx,
            req,
            lambda session: generate.enqueue(deps, session, checked, ctx),
        )
        deps.wake.set()
        return job

    server.add(rpc_documents.GENERATE_DOCUMENT, generate_document)
    server.add(rpc_documents.DOCUMENT_JOBS, query(runtime, queries.jobs))
    server.add(rpc_documents.DOCUMENTS, query(runtime, queries.documents))
    server.add(rpc_documents.REGISTER_TEMPLATE, command(runtime, templates.register_template))
    server.add(rpc_documents.TEMPLATES, query(runtime, queries.templates))
