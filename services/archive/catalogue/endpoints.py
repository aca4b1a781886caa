"""Request/reply endpoints of the catalogue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from contracts.archive import evidence as archive_evidence
from contracts.archive import handover as archive_handover
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from kit.endpoints import command, query
from kit.rpc import RpcServer
from kit.runtime import ServiceRuntime
from services.archive.catalogue import queries
from services.archive.catalogue.commands import (
    borrowing,
    destruction,
    evidence,
    handover,
    items,
    package,
    uploads,
)
from services.archive.catalogue.deps import CatalogueDeps


def register(server: RpcServer, runtime: ServiceRuntime, deps: CatalogueDeps) -> None:
    def with_deps(use_case: Callable[..., Awaitable[Any]]) -> Any:
        return command(runtime, partial(use_case, deps))

    server.add(archive_rpc_catalogue.REQUEST_UPLOAD, with_deps(uploads.request_upload))
    server.add(
        archive_rpc_catalogue.REQUEST_VERSION_UPLOAD, with_deps(uploads.request_version_upload)
    )
    server.add(archive_rpc_catalogue.COMPLETE_UPLOAD, with_deps(uploads.complete_upload))
    server.add(archive_rpc_catalogue.GET_ITEMS, query(runtime, queries.get_items))
    server.add(archive_rpc_catalogue.CATALOGUE, query(runtime, queries.catalogue))
    server.add(archive_rpc_catalogue.SEARCH_ITEMS, query(runtime, queries.search_items))
    server.add(archive_rpc_catalogue.VERSIONS, query(runtime, queries.versions))
    server.add(archive_rpc_catalogue.CREATE_VOLUME, command(runtime, items.create_volume))
    server.add(archive_rpc_catalogue.CHANGE_LEVEL, command(runtime, items.change_level))
    server.add(archive_handover.HANDOVER_CHECK, query(runtime, handover.check))
    server.add(archive_evidence.EVIDENCE_CHECK, query(runtime, evidence.check))
    server.add(archive_handover.HANDOVER_PACKAGE, with_deps(package.issue_package))
    server.add(archive_rpc_catalogue.ACKNOWLEDGE_HANDOVER, command(runtime, handover.acknowledge))
    server.add(archive_rpc_catalogue.HANDOVERS, query(runtime, queries.list_handovers))
    server.add(archive_rpc_catalogue.REQUEST_BORROW, command(runtime, borrowing.request_borrow))
    server.add(archive_rpc_catalogue.DECIDE_BORROW, command(runtime, borrowing.decide_borrow))
    server.add(archive_rpc_catalogue.BORROWS, query(runtime, queries.list_borrows))
    server.add(archive_rpc_catalogue.ISSUE_DOWNLOAD, with_deps(borrowing.issue_download))
    server.add(archive_rpc_catalogue.USAGE, query(runtime, queries.usage))
    server.add(
        archive_rpc_catalogue.REQUEST_DESTRUCTION, command(runtime, destruction.request_destruction)
    )
    server.add(
        archive_rpc_catalogue.APPROVE_DESTRUCTION, with_deps(destruction.approve_destruction)
    )
