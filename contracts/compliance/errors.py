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


class InvalidEmailAddress(ValidationFailed):
    """Not a deliverable email address (one `local@domain.tld`, no display name)."""

    code = "invalid_email_address"


class InvalidWebhookUrl(ValidationFailed):
    """A webhook URL must be https (http only where the service allows it, for tests and
    development), with a host and without credentials."""

    code = "invalid_webhook_url"


class ChannelWithoutAddress(ValidationFailed):
    """A chosen channel has nowhere to go: email without an email address, a personal
    webhook without its URL. details: {"channel": "email" | "webhook"}."""

    code = "channel_without_address"


class WebhookEndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
