"""Archive items by title: the text index kept beside each filed item (kit.search).

Only filed items are indexed: a pending upload is visible to no one, and a tombstone
keeps the grams of the title it had, so a search still finds what was destroyed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from kit.keyset import AnySelect
from kit.search import index_text, normalize, search_text, text_matches
from services.archive.catalogue.models import ArchiveItem, item_search_grams
from services.archive.catalogue.repository import superseded_in_sql, visible_in_sql


async def index_filed(session: AsyncSession, row: ArchiveItem) -> None:
    """Make a newly filed item findable by its title, in the filing's transaction."""
    row.search_title = normalize(row.title)
    await index_text(session, item_search_grams, row.id, row.title)


def items_query(req: archive_rpc_catalogue.SearchItemsRequest) -> AnySelect:
    """The items the caller may see (the catalogue's own rule, in SQL), narrowed by the
    search's text and filters."""
    query: AnySelect = select(ArchiveItem).where(visible_in_sql(req.caller))
    if not req.include_superseded:
        query = query.where(~superseded_in_sql(req.caller))
    if (norm := search_text(req.search)) is not None:
        query = query.where(
            text_matches(item_search_grams, ArchiveItem.id, ArchiveItem.search_title, norm)
        )
    if req.engagement_id is not None:
        query = query.where(ArchiveItem.engagement_id == req.engagement_id)
    if req.category is not None:
        query = query.where(ArchiveItem.category == req.category)
    if req.document_date_from is not None:
        query = query.where(ArchiveItem.document_date >= req.document_date_from)
    if req.document_date_to is not None:
        query = query.where(ArchiveItem.document_date <= req.document_date_to)
    if req.level is not None:
        query = query.where(ArchiveItem.level == req.level)
    return query
