"""Typed client of the archive catalogue, and the caller as the archive must re-check it
(tenant scope and clearance travel in every request)."""

from __future__ import annotations

from contracts.archive import rpc_catalogue as c
from gateway.clients import Services
from gateway.context import Context, scope_of


def caller_of(ctx: Context) -> c.Caller:
    return c.Caller(
        scope=scope_of(ctx.authorizer), clearance=max(0, min(3, ctx.principal.clearance))
    )


class CatalogueClient:
    """Items travel with their series (版本): the `series_id` their versions share."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def request_upload(self, req: c.RequestUploadRequest) -> c.UploadTicket:
        return await self._services.call(c.REQUEST_UPLOAD, req)

    async def request_version_upload(self, req: c.RequestVersionUploadRequest) -> c.UploadTicket:
        return await self._services.call(c.REQUEST_VERSION_UPLOAD, req)

    async def complete_upload(self, req: c.ItemRequest) -> c.ItemView:
        return await self._services.call(c.COMPLETE_UPLOAD, req)

    async def items(self, req: c.GetItemsRequest) -> list[c.ItemView | None]:
        return (await self._services.call(c.GET_ITEMS, req)).items

    async def catalogue(self, req: c.CatalogueRequest) -> c.CatalogueReply:
        return await self._services.call(c.CATALOGUE, req)

    async def versions(self, req: c.VersionsRequest) -> list[list[c.ItemView]]:
        return (await self._services.call(c.VERSIONS, req)).items

    async def create_volume(self, req: c.CreateVolumeRequest) -> c.VolumeView:
        return await self._services.call(c.CREATE_VOLUME, req)

    async def change_level(self, req: c.ChangeLevelRequest) -> c.ItemView:
        return await self._services.call(c.CHANGE_LEVEL, req)

    async def hand_over(self, req: c.HandOverRequest) -> c.HandoverView:
        return await self._services.call(c.HAND_OVER, req)

    async def acknowledge(self, req: c.AcknowledgeHandoverRequest) -> c.HandoverView:
        return await self._services.call(c.ACKNOWLEDGE_HANDOVER, req)

    async def handovers(self, req: c.HandoversRequest) -> list[c.HandoverView]:
        return (await self._services.call(c.HANDOVERS, req)).items

    async def request_borrow(self, req: c.RequestBorrowRequest) -> c.BorrowView:
        return await self._services.call(c.REQUEST_BORROW, req)

    async def decide_borrow(self, req: c.DecideBorrowRequest) -> c.BorrowView:
        return await self._services.call(c.DECIDE_BORROW, req)

    async def borrows(self, req: c.BorrowsRequest) -> list[c.BorrowView]:
        return (await self._services.call(c.BORROWS, req)).items

    async def download(self, req: c.IssueDownloadRequest) -> c.DownloadView:
        return await self._services.call(c.ISSUE_DOWNLOAD, req)

    async def usage(self, req: c.ItemRequest) -> list[c.UsageView]:
        return (await self._services.call(c.USAGE, req)).items

    async def request_destruction(self, req: c.RequestDestructionRequest) -> c.DestructionView:
        return await self._services.call(c.REQUEST_DESTRUCTION, req)

    async def approve_destruction(self, req: c.ApproveDestructionRequest) -> c.DestructionView:
        return await self._services.call(c.APPROVE_DESTRUCTION, req)
