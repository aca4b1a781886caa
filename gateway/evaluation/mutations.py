"""Mutations of the evaluation service."""

from __future__ import annotations

import strawberry


@strawberry.type
class EvaluationMutations:
    pass
