"""Mutations of generated documents: generate one (answered at once with its job; the
archive renders and files it in the background) and register a template variant."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from contracts.archive import documents as archive_documents
from contracts.archive import rpc_documents
from gateway.archive.access import caller_of
from gateway.archive.documents_errors import (
    DocumentDataMissing,
    DocumentFormatNotOffered,
    DocumentTemplateNotFound,
    InvalidDocumentTemplate,
)
from gateway.archive.documents_inputs import GenerateDocumentInput, RegisterDocumentTemplateInput
from gateway.archive.documents_types import DocumentJob, DocumentTemplate
from gateway.archive.errors import ArchiveStateConflict
from gateway.context import Context
from gateway.engagement.errors import EngagementNotFound
from gateway.errors import CommonErrors
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation


@strawberry.type(description="The job is queued: poll documentJob(id) until DONE or FAILED.")
class DocumentJobSuccess:
    job: DocumentJob


@strawberry.type
class DocumentTemplateSuccess:
    template: DocumentTemplate


GenerateDocumentResult = Annotated[
    DocumentJobSuccess
    | EngagementNotFound
    | DocumentDataMissing
    | DocumentFormatNotOffered
    | DocumentTemplateNotFound
    | ArchiveStateConflict
    | CommonErrors,
    strawberry.union("GenerateDocumentResult"),
]
GENERATE_DOCUMENT: ResultUnion[GenerateDocumentResult] = ResultUnion(GenerateDocumentResult)
RegisterDocumentTemplateResult = Annotated[
    DocumentTemplateSuccess | InvalidDocumentTemplate | CommonErrors,
    strawberry.union("RegisterDocumentTemplateResult"),
]
REGISTER_DOCUMENT_TEMPLATE: ResultUnion[RegisterDocumentTemplateResult] = ResultUnion(
    RegisterDocumentTemplateResult
)


@strawberry.type
class DocumentMutations:
    @strawberry.mutation(
        description="Generate a document from the recorded data (project managers). "
        "Returns at once with the job; the document is filed into the archive as the next "
        "version of its series when the job is DONE."
    )
    async def generate_document(
        self, info: Info[Context, None], input: GenerateDocumentInput
    ) -> GenerateDocumentResult:
        ctx = info.context
        return await run_mutation(
            info,
            GENERATE_DOCUMENT,
            ("document", "generate"),
            request=lambda: rpc_documents.GenerateDocumentRequest(
                caller=caller_of(ctx),
                engagement_id=decode_global_id(
                    input.engagement_id, "Engagement", field="engagementId"
                ),
                kind=input.kind,
                format=input.format,
                period=archive_documents.DocumentPeriod(
                    start=input.period.start, end=input.period.end
                )
                if input.period
                else None,
                template=input.template,
            ),
            send=ctx.clients.archive.generate_document,
            success=lambda view: DocumentJobSuccess(job=DocumentJob.from_view(view)),
        )

    @strawberry.mutation(
        description="Register your agency's variant of a document's template (project "
        "managers); it is validated before it is stored."
    )
    async def register_document_template(
        self, info: Info[Context, None], input: RegisterDocumentTemplateInput
    ) -> RegisterDocumentTemplateResult:
        ctx = info.context
        return await run_mutation(
            info,
            REGISTER_DOCUMENT_TEMPLATE,
            ("document_template", "register"),
            request=lambda: rpc_documents.RegisterTemplateRequest(
                caller=caller_of(ctx),
                kind=input.kind,
                name=input.name,
                definition=input.definition if isinstance(input.definition, dict) else {},
            ),
            send=ctx.clients.archive.register_template,
            success=lambda view: DocumentTemplateSuccess(template=DocumentTemplate.from_view(view)),
        )
