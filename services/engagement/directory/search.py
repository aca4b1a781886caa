"""Units by name, USCC, industry code and region: the SQL conditions a unit search adds
to the scoped list (kit.search keeps the name's grams beside the unit)."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from kit.search import index_text, like_contains, normalize, text_matches
from services.engagement.models import Unit, UnitFile, unit_search_grams

# Letters and digits only, as a USCC starts: such a query also matches USCCs by prefix.
_USCC_PREFIX = re.compile(r"^[0-9a-z]{2,18}$")


async def index_unit(session: AsyncSession, unit: Unit) -> None:
    """Make a unit findable by its current name, in the caller's transaction."""
    unit.search_name = normalize(unit.name)
    await index_text(session, unit_search_grams, unit.id, unit.name)


def index_file(file: UnitFile) -> None:
    """Make an agency's own file findable by the name it typed (an agency's files are
    few: a LIKE over them, no grams)."""
    file.search_name = normalize(file.name)


def own_file(scope: Scope) -> ColumnElement[bool]:
    """Outer-join condition: the caller agency's own file of the unit, while it reads
    that one (issue 14); no row for anyone else."""
    if scope.agency_id is None:
        return false()
    return and_(
        UnitFile.unit_id == Unit.id,
        UnitFile.agency_id == scope.agency_id,
        UnitFile.shared_at.is_(None),
    )


def unit_matches(norm: str, *, own_files: bool = False) -> ColumnElement[bool]:
    """Units whose name contains the normalised query, or whose USCC starts with it.
    `own_files`: the query outer-joins the agency's own files (`own_file`); where a unit
    has one, its name is the one matched, never the registry's. Only an agency's queries
    join them: everyone else keeps the plain condition (and its plan)."""
    by_name = text_matches(unit_search_grams, Unit.id, Unit.search_name, norm)
    if own_files:
        own = UnitFile.search_name.like(like_contains(norm), escape="\\")
        by_name = or_(and_(UnitFile.id.is_(None), by_name), and_(UnitFile.id.is_not(None), own))
    if _USCC_PREFIX.match(norm):
        return or_(by_name, Unit.uscc.startswith(norm.upper(), autoescape=True))
    return by_name
