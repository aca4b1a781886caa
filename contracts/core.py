"""What every contract shares: the base model, the typed RPC, scopes and pages, the event
envelope and its parser, and the domain errors with their stable codes.

Imports nothing of ours: `kit/` builds on it, and each service's contracts
(`contracts/<service>/`) build their messages from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# --- messages ---------------------------------------------------------------------------


class Contract(BaseModel):
    """Base of every message: frozen, strict about unknown fields on input."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @classmethod
    def from_row(cls, row: object, **given: Any) -> Self:
        """This shape from an object's attributes of the same names (a table row, mostly);
        `given` holds the fields the row keeps under another name, or not at all. Nested
        shapes are read from attributes too, as `model_validate(..., from_attributes=True)`
        does."""
        names = (name for name in cls.model_fields if name not in given)
        fields = {**{name: getattr(row, name) for name in names}, **given}
        return cls.model_validate(fields, from_attributes=True)


Req = TypeVar("Req", bound=Contract)
Resp = TypeVar("Resp", bound=Contract)


@dataclass(frozen=True)
class Rpc(Generic[Req, Resp]):
    """One request/reply endpoint: the gateway calls it and the service registers a
    handler for the same value, so both sides agree on subject and types by construction."""

    service: str
    name: str
    request: type[Req]
    response: type[Resp]

    @property
    def subject(self) -> str:
        return f"ecohost.rpc.{self.service}.{self.name}"


class Scope(Contract):
    """Which objects the caller may see, computed by the gateway's authorizer.

    Services filter lists in SQL with it, so a denied row never leaves the DB.
    Exactly one of the fields is set for a scoped caller.
    """

    agency_id: UUID | None = None
    unit_id: UUID | None = None
    region_prefix: str | None = None
    evaluator_id: UUID | None = Field(
        default=None,
        description="An appointed third-party evaluator: only the evaluation material of "
        "the engagements it is appointed to.",
    )
    client_id: UUID | None = Field(
        default=None,
        description="A client that is not one unit (园区, 集团, 区域): its engagements and "
        "the units they cover.",
    )


class Page(Contract):
    after: UUID | None = Field(default=None, description="Return rows with id > after.")
    limit: int = Field(default=20, ge=1, le=500)


# --- events -----------------------------------------------------------------------------

# Subjects are `ecohost.events.<type>`, e.g. `ecohost.events.engagement.created.v1`,
# so a consumer can filter by service (`ecohost.events.engagement.>`) or take all.
EVENT_SUBJECT_PREFIX = "ecohost.events."
EVERY_EVENT_SUBJECT = EVENT_SUBJECT_PREFIX + ">"
EVENT_STREAM = "ECOHOST_EVENTS"


def service_events_subject(service: str) -> str:
    """The subject filter matching every event one service publishes, whatever its type."""
    return f"{EVENT_SUBJECT_PREFIX}{service}.>"


class EventEnvelope(Contract):
    """What every event carries, whatever its type.

    Consumers that handle any event (the archive's trace ledger) read this
    envelope with `data` left as a plain object, so they keep working when a new
    event type appears.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID = Field(description="UUIDv7; also the JetStream Nats-Msg-Id for dedupe.")
    type: str = Field(description="`<service>.<event>.v<version>`.")
    occurred_at: datetime
    actor: str = Field(description="User id of who caused it, or `system:<process>`.")
    tenant: str = Field(description="Domain of the actor: `agency:<id>`, `unit:<id>`, …")
    engagement_id: UUID | None = None
    correlation_id: str = Field(description="Request id that started the chain of work.")
    data: dict[str, Any]

    @property
    def subject(self) -> str:
        return EVENT_SUBJECT_PREFIX + self.type


# The config of every typed event: unlike the bare envelope, unknown fields are refused.
TYPED_EVENT = ConfigDict(frozen=True, extra="forbid")


def event_type(event: type[EventEnvelope]) -> str:
    """The `type` a typed event class carries, e.g. `engagement.created.v1`."""
    return str(event.model_fields["type"].default)


def event_subject(event: type[EventEnvelope]) -> str:
    return EVENT_SUBJECT_PREFIX + event_type(event)


class _EventType(BaseModel):
    """Only an event's `type`, read as the envelope reads it (stripped), to choose the
    class that validates the event: validating the whole envelope first, then the
    typed event again, validated every field twice."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    type: str


class EventParser:
    """Reads raw events as the typed classes a consumer declared; any other type
    (or every type, for a consumer that declared none) as the bare envelope."""

    def __init__(self, events: Iterable[type[EventEnvelope]] = ()) -> None:
        self._by_type = {event_type(cls): cls for cls in events}

    def __call__(self, raw: bytes) -> EventEnvelope:
        if not self._by_type:
            return EventEnvelope.model_validate_json(raw)
        try:
            typed = self._by_type.get(_EventType.model_validate_json(raw).type)
        except ValidationError:
            typed = None  # the envelope's own validation says what is wrong
        if typed is None:
            return EventEnvelope.model_validate_json(raw)
        try:
            return typed.model_validate_json(raw)
        except ValidationError:
            # The error the envelope gives when it is the envelope that is wrong, as
            # when the envelope was validated first; else the typed event's.
            EventEnvelope.model_validate_json(raw)
            raise


# --- errors -----------------------------------------------------------------------------
# A code is part of the public contract: the gateway maps it to a GraphQL error type
# and other services match on it, so codes never change meaning. Messages are for
# humans and may change: a service raises an error with an English template
# (`"no stage report {report_no}"`) and its parameters, and the gateway says it in the
# caller's language from its message catalogues (gateway/i18n), the template being
# the catalogue key. `message` is the English rendering, for logs and old callers.

Param = str | int | list[str]
"""A template parameter. The gateway says a string that is a catalogue term (an enum
value, a step's name) in the caller's language, and joins a list the language's way."""


@dataclass(frozen=True)
class Message:
    """A sentence for a person: an English template with `{named}` placeholders, the
    key of its translations, and the values that fill it."""

    template: str
    params: dict[str, Param] = field(default_factory=dict)

    def __str__(self) -> str:
        said = {k: ", ".join(v) if isinstance(v, list) else v for k, v in self.params.items()}
        try:
            return self.template.format(**said)
        except (KeyError, IndexError, ValueError):
            return self.template

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template, "params": dict(self.params)}

    @staticmethod
    def from_dict(data: Any) -> Message:
        if isinstance(data, str):
            return Message(data)
        params = data.get("params") or {}
        return Message(str(data.get("template", "")), {str(k): v for k, v in params.items()})


class DomainError(Exception):
    """An expected failure a caller can act on (bad input, missing object, conflict).

    `message` is a template with `{named}` placeholders filled from `params`, never an
    f-string: the template is what the gateway's catalogues translate."""

    code: ClassVar[str] = "domain_error"
    _by_code: ClassVar[dict[str, type[DomainError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Register by code so an error crossing NATS is rebuilt as its own class.
        if "code" in cls.__dict__:
            DomainError._by_code[cls.code] = cls

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        params: dict[str, Param] | None = None,
    ) -> None:
        self.said = Message(message, dict(params or {}))
        self.message = str(self.said)
        super().__init__(self.message)
        self.field = field
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "details": self.details,
            **self.said.to_dict(),
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> DomainError:
        """Rebuild an error sent by another process; unknown codes become RemoteError."""
        code = str(data.get("code", "internal"))
        said = Message.from_dict(data if "template" in data else str(data.get("message", "")))
        field = data.get("field")
        details = data.get("details") or {}
        cls = DomainError._by_code.get(code)
        if cls is None or cls is RemoteError:
            return RemoteError(
                code, said.template, field=field, details=details, params=said.params
            )
        return cls(said.template, field=field, details=details, params=said.params)


class ValidationFailed(DomainError):
    code = "validation_failed"


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does."""

    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class NotAuthorized(DomainError):
    code = "not_authorized"


class ServiceUnavailable(DomainError):
    """A service did not answer within its timeout, or NATS is unreachable."""

    code = "service_unavailable"


class RemoteError(DomainError):
    """An error a remote service returned, carried with its original code."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        params: dict[str, Param] | None = None,
    ) -> None:
        super().__init__(message, field=field, details=details, params=params)
        self.remote_code = code

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["code"] = self.remote_code
        return data
