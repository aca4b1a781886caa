"""Who may see which ledger entry. The archive records events, not tenancy, so the
gateway decides with what it already trusts for engagements:

* an engagement's entry: `ledger, read` and `trace, read`, and the engagement is in
  the caller's scope (the scoped engagement loader returns it), exactly as for
  `Engagement.trace`;
* an entry without an engagement (a unit registered, …): `ledger, read` and the
  event's tenant is the caller's own.

Denied entries read as missing, like every object out of scope.
"""

from __future__ import annotations

from uuid import UUID

from contracts.archive import rpc as archive_rpc
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from gateway.context import Context, scope_of


async def may_read_engagement_ledger(ctx: Context, engagement_id: UUID) -> bool:
    authorizer = ctx.authorizer
    if not (authorizer.can("ledger", "read") and authorizer.can("trace", "read")):
        return False
    return await ctx.loaders.engagements.load(engagement_id) is not None


async def may_read_entry(ctx: Context, entry: archive_rpc.LedgerEntryView) -> bool:
    if entry.engagement_id is not None:
        return await may_read_engagement_ledger(ctx, entry.engagement_id)
    own = ctx.principal.tenant
    return (
        ctx.authorizer.can("ledger", "read") and bool(own) and entry.tenant.lower() == own.lower()
    )


def caller_of(ctx: Context) -> archive_rpc_catalogue.Caller:
    """The caller as the archive re-checks it: tenant scope and clearance (密级) travel in
    every catalogue request."""
    return archive_rpc_catalogue.Caller(
        scope=scope_of(ctx.authorizer), clearance=max(0, min(3, ctx.principal.clearance))
    )
