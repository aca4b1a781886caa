"""Client of the archive service: the ledger (its checkpoints and proofs) and the
catalogue (items, volumes, handovers, borrowing, destruction). Every catalogue item
travels with its series (`series_id`)."""

from __future__ import annotations

from uuid import UUID

from contracts.archive import evidence as archive_evidence
from contracts.archive import handover as archive_handover
from contracts.archive import rpc as archive_rpc
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from contracts.archive import rpc_documents as archive_rpc_documents
from gateway.clients.base import ServiceClient


class ArchiveClient(ServiceClient):
    # --- ledger ------------------------------------------------------------------------

    async def traces(self, engagement_ids: list[UUID]) -> list[list[archive_rpc.TraceEntryView]]:
        req = archive_rpc.TraceRequest(engagement_ids=engagement_ids)
        return (await self._call(archive_rpc.GET_TRACES, req)).traces

    async def ledger_key(self) -> archive_rpc.LedgerKeyView:
        return await self._call(archive_rpc.LEDGER_KEY, archive_rpc.Empty())

    async def create_checkpoint(self) -> archive_rpc.CheckpointView:
        return await self._call(archive_rpc.CREATE_CHECKPOINT, archive_rpc.Empty())

    async def checkpoints(self, limit: int, before: int | None) -> list[archive_rpc.CheckpointView]:
        req = archive_rpc.CheckpointsRequest(limit=limit, before=before)
        return (await self._call(archive_rpc.LIST_CHECKPOINTS, req)).items

    async def ledger_entries(
        self, indexes: list[int], event_ids: list[UUID]
    ) -> list[archive_rpc.LedgerEntryView | None]:
        req = archive_rpc.LedgerEntriesRequest(indexes=indexes, event_ids=event_ids)
        return (await self._call(archive_rpc.GET_LEDGER_ENTRIES, req)).items

    async def inclusion_proof(
        self, index: int, tree_size: int | None
    ) -> archive_rpc.InclusionProofView:
        req = archive_rpc.InclusionProofRequest(index=index, tree_size=tree_size)
        return await self._call(archive_rpc.INCLUSION_PROOF, req)

    async def consistency_proof(
        self, from_size: int, to_size: int
    ) -> archive_rpc.ConsistencyProofView:
        req = archive_rpc.ConsistencyProofRequest(from_size=from_size, to_size=to_size)
        return await self._call(archive_rpc.CONSISTENCY_PROOF, req)

    async def provenance(
        self, engagement_id: UUID, tree_size: int | None
    ) -> archive_rpc.ProvenanceView:
        req = archive_rpc.ProvenanceRequest(engagement_id=engagement_id, tree_size=tree_size)
        return await self._call(archive_rpc.PROVENANCE, req)

    # --- catalogue ---------------------------------------------------------------------

    async def request_upload(
        self, req: archive_rpc_catalogue.RequestUploadRequest
    ) -> archive_rpc_catalogue.UploadTicket:
        return await self._call(archive_rpc_catalogue.REQUEST_UPLOAD, req)

    async def request_version_upload(
        self, req: archive_rpc_catalogue.RequestVersionUploadRequest
    ) -> archive_rpc_catalogue.UploadTicket:
        return await self._call(archive_rpc_catalogue.REQUEST_VERSION_UPLOAD, req)

    async def complete_upload(
        self, req: archive_rpc_catalogue.ItemRequest
    ) -> archive_rpc_catalogue.ItemView:
        return await self._call(archive_rpc_catalogue.COMPLETE_UPLOAD, req)

    async def items(
        self, req: archive_rpc_catalogue.GetItemsRequest
    ) -> list[archive_rpc_catalogue.ItemView | None]:
        return (await self._call(archive_rpc_catalogue.GET_ITEMS, req)).items

    async def catalogue(
        self, req: archive_rpc_catalogue.CatalogueRequest
    ) -> archive_rpc_catalogue.CatalogueReply:
        return await self._call(archive_rpc_catalogue.CATALOGUE, req)

    async def search_items(
        self, req: archive_rpc_catalogue.SearchItemsRequest
    ) -> archive_rpc_catalogue.ItemPage:
        return await self._call(archive_rpc_catalogue.SEARCH_ITEMS, req)

    async def versions(
        self, req: archive_rpc_catalogue.VersionsRequest
    ) -> list[list[archive_rpc_catalogue.ItemView]]:
        return (await self._call(archive_rpc_catalogue.VERSIONS, req)).items

    async def create_volume(
        self, req: archive_rpc_catalogue.CreateVolumeRequest
    ) -> archive_rpc_catalogue.VolumeView:
        return await self._call(archive_rpc_catalogue.CREATE_VOLUME, req)

    async def change_level(
        self, req: archive_rpc_catalogue.ChangeLevelRequest
    ) -> archive_rpc_catalogue.ItemView:
        return await self._call(archive_rpc_catalogue.CHANGE_LEVEL, req)

    async def check_handover(
        self, req: archive_handover.HandoverCheckRequest
    ) -> archive_handover.HandoverCheckReply:
        return await self._call(archive_handover.HANDOVER_CHECK, req)

    async def check_evidence(
        self, req: archive_evidence.EvidenceCheckRequest
    ) -> archive_evidence.EvidenceCheckReply:
        return await self._call(archive_evidence.EVIDENCE_CHECK, req)

    async def handover_package(
        self, req: archive_handover.HandoverPackageRequest
    ) -> archive_handover.HandoverPackageView:
        return await self._call(archive_handover.HANDOVER_PACKAGE, req)

    async def acknowledge(
        self, req: archive_rpc_catalogue.AcknowledgeHandoverRequest
    ) -> archive_rpc_catalogue.HandoverView:
        return await self._call(archive_rpc_catalogue.ACKNOWLEDGE_HANDOVER, req)

    async def handovers(
        self, req: archive_rpc_catalogue.HandoversRequest
    ) -> list[archive_rpc_catalogue.HandoverView]:
        return (await self._call(archive_rpc_catalogue.HANDOVERS, req)).items

    async def request_borrow(
        self, req: archive_rpc_catalogue.RequestBorrowRequest
    ) -> archive_rpc_catalogue.BorrowView:
        return await self._call(archive_rpc_catalogue.REQUEST_BORROW, req)

    async def decide_borrow(
        self, req: archive_rpc_catalogue.DecideBorrowRequest
    ) -> archive_rpc_catalogue.BorrowView:
        return await self._call(archive_rpc_catalogue.DECIDE_BORROW, req)

    async def borrows(
        self, req: archive_rpc_catalogue.BorrowsRequest
    ) -> list[archive_rpc_catalogue.BorrowView]:
        return (await self._call(archive_rpc_catalogue.BORROWS, req)).items

    async def download(
        self, req: archive_rpc_catalogue.IssueDownloadRequest
    ) -> archive_rpc_catalogue.DownloadView:
        return await self._call(archive_rpc_catalogue.ISSUE_DOWNLOAD, req)

    async def usage(
        self, req: archive_rpc_catalogue.ItemRequest
    ) -> list[archive_rpc_catalogue.UsageView]:
        return (await self._call(archive_rpc_catalogue.USAGE, req)).items

    async def request_destruction(
        self, req: archive_rpc_catalogue.RequestDestructionRequest
    ) -> archive_rpc_catalogue.DestructionView:
        return await self._call(archive_rpc_catalogue.REQUEST_DESTRUCTION, req)

    async def approve_destruction(
        self, req: archive_rpc_catalogue.ApproveDestructionRequest
    ) -> archive_rpc_catalogue.DestructionView:
        return await self._call(archive_rpc_catalogue.APPROVE_DESTRUCTION, req)

    # --- generated documents -----------------------------------------------------------

    async def generate_document(
        self, req: archive_rpc_documents.GenerateDocumentRequest
    ) -> archive_rpc_documents.DocumentJobView:
        return await self._call(archive_rpc_documents.GENERATE_DOCUMENT, req)

    async def document_jobs(
        self, req: archive_rpc_documents.DocumentJobsRequest
    ) -> list[archive_rpc_documents.DocumentJobView | None]:
        return (await self._call(archive_rpc_documents.DOCUMENT_JOBS, req)).items

    async def documents(
        self, req: archive_rpc_documents.DocumentsRequest
    ) -> list[archive_rpc_documents.DocumentSeriesView]:
        return (await self._call(archive_rpc_documents.DOCUMENTS, req)).items

    async def register_template(
        self, req: archive_rpc_documents.RegisterTemplateRequest
    ) -> archive_rpc_documents.DocumentTemplateView:
        return await self._call(archive_rpc_documents.REGISTER_TEMPLATE, req)

    async def templates(
        self, req: archive_rpc_documents.TemplatesRequest
    ) -> list[archive_rpc_documents.DocumentTemplateView]:
        return (await self._call(archive_rpc_documents.TEMPLATES, req)).items
