"""Errors of the evaluation service, with their stable codes."""

from __future__ import annotations

from typing import Self

from contracts.core import Conflict, NotFound, Param, ValidationFailed


class ScorecardNotFound(NotFound):
    code = "scorecard_not_found"


class TemplateNotFound(NotFound):
    code = "template_not_found"


class ScorecardLocked(Conflict):
    """Finalised, falsified or superseded: changes go through an amendment."""

    code = "scorecard_locked"


class ScorecardNotFinalized(Conflict):
    """Only a finalised scorecard is amended; an open one is simply scored again."""

    code = "scorecard_not_finalized"


class SelfAssessmentPending(Conflict):
    """The contract requires the agency's self-assessment before the binding card."""

    code = "self_assessment_pending"


class AppealNotAllowed(Conflict):
    """Only a finalised binding card, within the contract's appeal period, with no open
    appeal; only an open appeal is answered."""

    code = "appeal_not_allowed"


class AppealNotFound(NotFound):
    code = "appeal_not_found"


class ScoreOutOfRange(ValidationFailed):
    """details: {"item": code, "max": "5"}."""

    code = "score_out_of_range"


class IncompleteScorecard(Conflict):
    """details: {"missing": [item codes without any evaluator's score]}."""

    code = "incomplete_scorecard"


class InvalidTemplate(ValidationFailed):
    """details: {"reason": why the template (variant) is refused}."""

    code = "invalid_template"

    @classmethod
    def because(cls, reason: str, field: str, **params: Param) -> Self:
        """Refused for `reason` (a template), which `details` also carries in English."""
        refused = cls(reason, field=field, params=params)
        refused.details = {"reason": refused.message}
        return refused
