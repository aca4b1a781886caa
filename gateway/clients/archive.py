"""Client of the archive service: the ledger (its checkpoints and proofs) and the
catalogue (items, volumes, handovers, borrowing, destruction). Catalogue items travel
with their series (the `*_WITH_SERIES` subjects)."""

from __future__ import annotations

from uuid import UUID

from contracts.archive import rpc as ledger
from contracts.archive import rpc_catalogue as c
from gateway.clients.base import ServiceClient


class ArchiveClient(ServiceClient):
    # --- ledger ------------------------------------------------------------------------

    async def ledger_key(self) -> ledger.LedgerKeyView:
        return await self._call(ledger.LEDGER_KEY, ledger.Empty())

    async def create_checkpoint(self) -> ledger.CheckpointView:
        return await self._call(ledger.CREATE_CHECKPOINT, ledger.Empty())

    async def checkpoints(self, limit: int, before: int | None) -> list[ledger.CheckpointView]:
        req = ledger.CheckpointsRequest(limit=limit, before=before)
        return (await self._call(ledger.LIST_CHECKPOINTS, req)).items

    async def ledger_entries(
        self, indexes: list[int], event_ids: list[UUID]
    ) -> list[ledger.LedgerEntryView | None]:
        req = ledger.LedgerEntriesRequest(indexes=indexes, event_ids=event_ids)
        return (await self._call(ledger.GET_LEDGER_ENTRIES, req)).items

    async def inclusion_proof(self, index: int, tree_size: int | None) -> ledger.InclusionProofView:
        req = ledger.InclusionProofRequest(index=index, tree_size=tree_size)
        return await self._call(ledger.INCLUSION_PROOF, req)

    async def consistency_proof(self, from_size: int, to_size: int) -> ledger.ConsistencyProofView:
        req = ledger.ConsistencyProofRequest(from_size=from_size, to_size=to_size)
        return await self._call(ledger.CONSISTENCY_PROOF, req)

    async def provenance(self, engagement_id: UUID, tree_size: int | None) -> ledger.ProvenanceView:
        req = ledger.ProvenanceRequest(engagement_id=engagement_id, tree_size=tree_size)
        return await self._call(ledger.PROVENANCE, req)

    # --- catalogue ---------------------------------------------------------------------

    async def request_upload(self, req: c.RequestUploadRequest) -> c.UploadTicket:
        return await self._call(c.REQUEST_UPLOAD, req)

    async def request_version_upload(self, req: c.RequestVersionUploadRequest) -> c.UploadTicket:
        return await self._call(c.REQUEST_VERSION_UPLOAD, req)

    async def complete_upload(self, req: c.ItemRequest) -> c.ItemView:
        return await self._call(c.COMPLETE_UPLOAD, req)

    async def items(self, req: c.GetItemsRequest) -> list[c.ItemView | None]:
        return (await self._call(c.GET_ITEMS, req)).items

    async def catalogue(self, req: c.CatalogueRequest) -> c.CatalogueReply:
        return await self._call(c.CATALOGUE, req)

    async def versions(self, req: c.VersionsRequest) -> list[list[c.ItemView]]:
        return (await self._call(c.VERSIONS, req)).items

    async def create_volume(self, req: c.CreateVolumeRequest) -> c.VolumeView:
        return await self._call(c.CREATE_VOLUME, req)

    async def change_level(self, req: c.ChangeLevelRequest) -> c.ItemView:
        return await self._call(c.CHANGE_LEVEL, req)

    async def hand_over(self, req: c.HandOverRequest) -> c.HandoverView:
        return await self._call(c.HAND_OVER, req)

    async def acknowledge(self, req: c.AcknowledgeHandoverRequest) -> c.HandoverView:
        return await self._call(c.ACKNOWLEDGE_HANDOVER, req)

    async def handovers(self, req: c.HandoversRequest) -> list[c.HandoverView]:
        return (await self._call(c.HANDOVERS, req)).items

    async def request_borrow(self, req: c.RequestBorrowRequest) -> c.BorrowView:
        return await self._call(c.REQUEST_BORROW, req)

    async def decide_borrow(self, req: c.DecideBorrowRequest) -> c.BorrowView:
        return await self._call(c.DECIDE_BORROW, req)

    async def borrows(self, req: c.BorrowsRequest) -> list[c.BorrowView]:
        return (await self._call(c.BORROWS, req)).items

    async def download(self, req: c.IssueDownloadRequest) -> c.DownloadView:
        return await self._call(c.ISSUE_DOWNLOAD, req)

    async def usage(self, req: c.ItemRequest) -> list[c.UsageView]:
        return (await self._call(c.USAGE, req)).items

    async def request_destruction(self, req: c.RequestDestructionRequest) -> c.DestructionView:
        return await self._call(c.REQUEST_DESTRUCTION, req)

    async def approve_destruction(self, req: c.ApproveDestructionRequest) -> c.DestructionView:
        return await self._call(c.APPROVE_DESTRUCTION, req)
