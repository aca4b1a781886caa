"""Relay cursor pagination shared by every list field: page arguments in, PageInfo out."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry import relay

from contracts.core import Page, ValidationFailed
from gateway.ids import decode_cursor, decode_global_id, encode_cursor

MAX_PAGE = 100
DEFAULT_PAGE = 20


def page_of(first: int | None, after: str | None) -> Page:
    """`first`/`after` as the services' keyset page; a bad value names its argument."""
    if first is not None and not 0 < first <= MAX_PAGE:
        raise ValidationFailed(
            "first must be between 1 and {max}", field="first", params={"max": MAX_PAGE}
        )
    return Page(after=decode_cursor(after), limit=first or DEFAULT_PAGE)


def page_info(ids: list[UUID], has_next: bool, after: str | None) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=encode_cursor(ids[0]) if ids else None,
        end_cursor=encode_cursor(ids[-1]) if ids else None,
    )


def optional_id(value: strawberry.ID | None, type_name: str, field: str) -> UUID | None:
    """The UUID of an optional global-ID argument (e.g. a `unitId` filter)."""
    return None if value is None else decode_global_id(value, type_name, field=field)


TOTAL_COUNT = (
    "How many rows match, counted up to 1,000: exact below it, 1000 when there are "
    '1,000 or more (show "1,000+"), so a page costs the same at any size. The pages '
    "reach every row."
)
"""The description of every connection's `totalCount` (services: kit.keyset.TOTAL_CAP)."""
