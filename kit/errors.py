"""Domain error base with stable codes.

A code is part of the public contract: the gateway maps it to a GraphQL error
type and other services match on it, so codes never change meaning. Messages
are for humans and may change.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """An expected failure a caller can act on (bad input, missing object, conflict)."""

    code: ClassVar[str] = "domain_error"
    _by_code: ClassVar[dict[str, type[DomainError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Register by code so an error crossing NATS is rebuilt as its own class.
        if "code" in cls.__dict__:
            DomainError._by_code[cls.code] = cls

    def __init__(
        self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "details": self.details,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> DomainError:
        """Rebuild an error sent by another process; unknown codes become RemoteError."""
        code = str(data.get("code", "internal"))
        message = str(data.get("message", ""))
        field = data.get("field")
        details = data.get("details") or {}
        cls = DomainError._by_code.get(code)
        if cls is None or cls is RemoteError:
            return RemoteError(code, message, field=field, details=details)
        return cls(message, field=field, details=details)


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
    ) -> None:
        super().__init__(message, field=field, details=details)
        self.remote_code = code

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["code"] = self.remote_code
        return data
