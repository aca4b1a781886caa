"""Relay global IDs (`base64("Unit:<uuid>")`) and opaque cursors."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

from contracts.core import ValidationFailed

# What a cursor's decoded text starts with, as a global ID starts with its type.
CURSOR = "cursor"


def encode_global_id(type_name: str, id_: UUID) -> str:
    return base64.b64encode(f"{type_name}:{id_}".encode()).decode()


def decode_global_id(value: str, type_name: str, *, field: str) -> UUID:
    """The UUID inside a global ID of `type_name`, or a ValidationFailed naming `field`."""
    try:
        kind, _, raw = base64.b64decode(value, validate=True).decode().partition(":")
        if kind == type_name:
            return UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationFailed("not a {type} id", field=field, params={"type": type_name})


def encode_cursor(id_: UUID) -> str:
    return base64.b64encode(f"{CURSOR}:{id_}".encode()).decode()


def decode_cursor(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        kind, _, raw = base64.b64decode(value, validate=True).decode().partition(":")
        if kind == CURSOR:
            return UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationFailed("invalid cursor", field="after")
