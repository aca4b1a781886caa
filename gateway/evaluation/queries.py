"""Queries of the evaluation service."""

from __future__ import annotations

import strawberry


@strawberry.type
class EvaluationQueries:
    pass
