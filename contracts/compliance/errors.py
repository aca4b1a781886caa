"""Errors of the compliance calendar service, with their stable codes."""

from __future__ import annotations

from contracts.core import Conflict, NotFound, ValidationFailed


class ComplianceUnitNotFound(NotFound):
    """The unit is unknown to the calendar (not yet registered, or not the caller's)."""

    code = "compliance_unit_not_found"


class PermitNotFound(NotFound):
    code = "permit_not_found"


class OccurrenceNotFound(NotFound):
    code = "occurrence_not_found"


class OccurrenceClosed(Conflict):
    """details: {"state": done | waived | suspended}: a closed occurrence stays as it is."""

    code = "occurrence_closed"


class InvalidRule(ValidationFailed):
    """An agency rule that cannot be scheduled (unknown frequency, deadline out of range)."""

    code = "invalid_rule"


class DuplicatePermit(Conflict):
    """The permit number is already registered."""

    code = "duplicate_permit"
