"""Typed errors of the compliance calendar (合规日历)."""

from __future__ import annotations

import strawberry

from gateway.errors import Error


@strawberry.type(description="No such unit on the calendar — or none your agency serves.")
class ComplianceUnitNotFound(Error):
    field: str | None


@strawberry.type(description="No such permit — or none you may see.")
class PermitNotFound(Error):
    field: str | None


@strawberry.type(description="The permit number is already registered.")
class DuplicatePermit(Error):
    field: str | None


@strawberry.type(description="No such occurrence — or none you may see.")
class OccurrenceNotFound(Error):
    field: str | None


@strawberry.type(
    description="The occurrence is already done, waived or suspended, or closes by its "
    "engagement's own workflow step; `state` says which."
)
class OccurrenceClosed(Error):
    state: str


@strawberry.type(description="The agency rule cannot be scheduled.")
class InvalidRule(Error):
    field: str | None


@strawberry.type(description="Not an email address: give one address like name@example.cn.")
class InvalidEmailAddress(Error):
    field: str | None


@strawberry.type(description="A webhook URL must be https://host/path, without credentials in it.")
class InvalidWebhookUrl(Error):
    field: str | None


@strawberry.type(
    description="A chosen channel has nowhere to go: email needs your email address, "
    "webhook your webhook URL; `channel` says which."
)
class ChannelWithoutAddress(Error):
    field: str | None
    channel: str


@strawberry.type(description="No such webhook endpoint of your agency.")
class WebhookEndpointNotFound(Error):
    field: str | None
