"""Text search by character n-grams, the same on PostgreSQL and SQLite.

Chinese has no spaces between words, so word tokenizers (PostgreSQL full text, the
default FTS5 tokenizer) find nothing inside a name such as 某某化工有限公司, and
pg_trgm ignores CJK characters when the database's LC_CTYPE is C. Every character and
every pair of adjacent characters of the searched text is therefore stored in a gram
table of the owning service, indexed by (gram, owner id). A query of two or more
characters needs all of its bigrams, a one-character query that character; a LIKE on the
normalised text then confirms the characters are adjacent and in order.

Two characters are the shortest Chinese word, so every query a person types hits the
index; a bigram table is also a fraction of a trigram index's size for short names.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    delete,
    exists,
    insert,
)
from sqlalchemy.ext.asyncio import AsyncSession

_SPACE = re.compile(r"\s+")


def gram_table(name: str, metadata: MetaData, owner: str) -> Table:
    """A service's gram table for the texts of one kind of row (`owner`: "table.id").
    The primary key (gram, owner_id) is the index every search probes."""
    return Table(
        name,
        metadata,
        Column("gram", String(2), primary_key=True),
        Column("owner_id", Uuid, ForeignKey(owner, ondelete="CASCADE"), primary_key=True),
        Index(f"ix_{name}_owner_id", "owner_id"),
    )


def normalize(text: str) -> str:
    """The form text is stored and matched in: full-width folded to half-width (NFKC),
    case folded, whitespace removed (某某 化工 finds 某某化工)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


def grams(text: str) -> set[str]:
    """Every character and every adjacent pair of the normalised text."""
    norm = normalize(text)
    return set(norm) | {norm[i : i + 2] for i in range(len(norm) - 1)}


def query_grams(norm: str) -> list[str]:
    """The grams a normalised query needs, in order, each once."""
    if len(norm) == 1:
        return [norm]
    return list(dict.fromkeys(norm[i : i + 2] for i in range(len(norm) - 1)))


def search_text(query: str | None) -> str | None:
    """The normalised query; None when there is nothing to search for. Contracts bound
    the query's length."""
    if query is None:
        return None
    return normalize(query) or None


def like_contains(norm: str) -> str:
    """A LIKE pattern matching `norm` anywhere, with LIKE's wildcards escaped (escape '\\')."""
    escaped = norm.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_matches(
    gram_table: Any, owner_column: Any, normalized_column: Any, norm: str
) -> ColumnElement[bool]:
    """Rows whose normalised text contains `norm`: every gram present (index probes),
    then the text itself confirms adjacency and order."""
    present = [
        exists().where(gram_table.c.gram == g, gram_table.c.owner_id == owner_column)
        for g in query_grams(norm)
    ]
    return and_(*present, normalized_column.like(like_contains(norm), escape="\\"))


async def index_text(session: AsyncSession, gram_table: Any, owner_id: Any, text: str) -> None:
    """(Re)write the grams of one owner's text, in the caller's transaction."""
    await session.execute(delete(gram_table).where(gram_table.c.owner_id == owner_id))
    rows = [{"gram": g, "owner_id": owner_id} for g in sorted(grams(text))]
    if rows:
        await session.execute(insert(gram_table), rows)
