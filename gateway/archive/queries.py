"""Queries of the archive service."""

from __future__ import annotations

import strawberry


@strawberry.type
class ArchiveQueries:
    pass
