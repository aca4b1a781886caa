"""Request/reply endpoints of the catalogue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from contracts.archive import rpc_catalogue as cat
from kit.endpoints import command, query
from kit.rpc import RpcServer
from kit.runtime import ServiceRuntime
from services.archive.catalogue import queries
from services.archive.catalogue.commands import (
    borrowing,
    destruction,
    handover,
    items,
    uploads,
)
from services.archive.catalogue.deps import CatalogueDeps


def register(server: RpcServer, runtime: ServiceRuntime, deps: CatalogueDeps) -> None:
    def with_deps(use_case: Callable[..., Awaitable[Any]]) -> Any:
        return command(runtime, partial(use_case, deps))

    server.add(cat.REQUEST_UPLOAD, with_deps(uploads.request_upload))
    server.add(cat.REQUEST_VERSION_UPLOAD, with_deps(uploads.request_version_upload))
    server.add(cat.COMPLETE_UPLOAD, with_deps(uploads.complete_upload))
    server.add(cat.GET_ITEMS, query(runtime, queries.get_items))
    server.add(cat.CATALOGUE, query(runtime, queries.catalogue))
    server.add(cat.VERSIONS, query(runtime, queries.versions))
    server.add(cat.CREATE_VOLUME, command(runtime, items.create_volume))
    server.add(cat.CHANGE_LEVEL, command(runtime, items.change_level))
    server.add(cat.HAND_OVER, with_deps(handover.hand_over))
    server.add(cat.ACKNOWLEDGE_HANDOVER, command(runtime, handover.acknowledge))
    server.add(cat.HANDOVERS, query(runtime, queries.list_handovers))
    server.add(cat.REQUEST_BORROW, command(runtime, borrowing.request_borrow))
    server.add(cat.DECIDE_BORROW, command(runtime, borrowing.decide_borrow))
    server.add(cat.BORROWS, query(runtime, queries.list_borrows))
    server.add(cat.ISSUE_DOWNLOAD, with_deps(borrowing.issue_download))
    server.add(cat.USAGE, query(runtime, queries.usage))
    server.add(cat.REQUEST_DESTRUCTION, command(runtime, destruction.request_destruction))
    server.add(cat.APPROVE_DESTRUCTION, with_deps(destruction.approve_destruction))
