"""Registry rows as the contracts show them."""

from __future__ import annotations

from contracts.core import Scope
from contracts.engagement import rpc_registry
from contracts.engagement.enums import LinkStatus
from services.engagement.models import Client, UnitLink, UnitLinkRequest
from services.engagement.registry.domain import unit_shown


def request_view(request: UnitLinkRequest, scope: Scope) -> rpc_registry.LinkRequestView:
    """What the caller sees of a request: a proposing agency never the unit before it
    accepted (so whether the USCC is in the registry stays untold)."""
    unit_id = request.unit_id if unit_shown(request, scope) else None
    return rpc_registry.LinkRequestView.from_row(request, unit_id=unit_id)


def link_view(link: UnitLink, scope: Scope | None = None) -> rpc_registry.UnitLinkView:
    """A link; the agency itself is shown a provisional link as active, as the link of a
    unit it entered new (issue 14): only the unit sees that it has not consented yet."""
    if link.status == LinkStatus.PROVISIONAL and scope is not None and scope.unit_id is None:
        return rpc_registry.UnitLinkView.from_row(link, status=LinkStatus.ACTIVE)
    return rpc_registry.UnitLinkView.from_row(link)


def client_view(client: Client) -> rpc_registry.ClientView:
    return rpc_registry.ClientView.from_row(client)
