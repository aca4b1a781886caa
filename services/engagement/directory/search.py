"""Units by name, USCC, industry code and region: the SQL conditions a unit search adds
to the scoped list (kit.search keeps the name's grams beside the unit)."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession

from kit.search import index_text, normalize, text_matches
from services.engagement.models import Unit, unit_search_grams

# Letters and digits only, as a USCC starts: such a query also matches USCCs by prefix.
_USCC_PREFIX = re.compile(r"^[0-9a-z]{2,18}$")


async def index_unit(session: AsyncSession, unit: Unit) -> None:
    """Make a unit findable by its current name, in the caller's transaction."""
    unit.search_name = normalize(unit.name)
    await index_text(session, unit_search_grams, unit.id, unit.name)


def unit_matches(norm: str) -> ColumnElement[bool]:
    """Units whose name contains the normalised query, or whose USCC starts with it."""
    by_name = text_matches(unit_search_grams, Unit.id, Unit.search_name, norm)
    if _USCC_PREFIX.match(norm):
        return or_(by_name, Unit.uscc.startswith(norm.upper(), autoescape=True))
    return by_name
