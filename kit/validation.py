"""Input refused by a contract, said as a catalogue message: an English template per
pydantic error type with the constraint's values as its parameters.

Both doors that validate input (the gateway building a request from a mutation's
input, a service parsing a request) report the first error this way; the gateway says
it in the caller's language (gateway/i18n), so a caller reads the same words whichever
side refused it.
"""

from __future__ import annotations

from string import Formatter
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from contracts.core import Message, Param, ValidationFailed

# pydantic's error types (pydantic.dev/errors/validation_errors) → our templates, filled
# from the error's `ctx`. The catalogues translate each template; a type not listed is
# "invalid input" with pydantic's own (English) words as its detail.
TEMPLATES: dict[str, str] = {
    "missing": "a value is required",
    "too_short": "at least {min_length} item(s) are required",
    "too_long": "at most {max_length} item(s) are allowed",
    "string_too_short": "at least {min_length} character(s) are required",
    "string_too_long": "at most {max_length} character(s) are allowed",
    "string_pattern_mismatch": "the format is not accepted",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must not be less than {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must not be greater than {le}",
    "decimal_max_digits": "at most {max_digits} digit(s)",
    "decimal_max_places": "at most {decimal_places} decimal place(s)",
    "finite_number": "must be a finite number",
    "enum": "not one of the allowed values",
    "literal_error": "not one of the allowed values",
    "uuid_parsing": "not a valid identifier",
    "uuid_type": "not a valid identifier",
    "date_from_datetime_parsing": "not a valid date",
    "date_parsing": "not a valid date",
    "date_type": "not a valid date",
    "datetime_parsing": "not a valid date and time",
    "datetime_from_date_parsing": "not a valid date and time",
    "timezone_aware": "the time needs a time zone",
    "extra_forbidden": "this field is not accepted",
    "string_type": "must be text",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
}
INVALID = "invalid input: {detail}"
"""A pydantic error type without a template of its own."""


def message_of(error: ErrorDetails) -> Message:
    """One pydantic error as a catalogue message."""
    template = TEMPLATES.get(error["type"])
    if template is None:
        return Message(INVALID, {"detail": error["msg"]})
    context: dict[str, Any] = dict(error.get("ctx") or {})
    wanted = {name for _, name, _, _ in Formatter().parse(template) if name}
    if not wanted <= context.keys():
        return Message(INVALID, {"detail": error["msg"]})
    params: dict[str, Param] = {
        k: v if isinstance(v, int) and not isinstance(v, bool) else str(v)
        for k, v in context.items()
        if k in wanted
    }
    return Message(template, params)


def validation_failed(exc: ValidationError, *, field: str | None = None) -> ValidationFailed:
    """The first error of a refused input, on its field path (`a.0.b`) unless given."""
    errors = exc.errors()
    if not errors:
        return ValidationFailed("invalid input", field=field)
    first = errors[0]
    path = ".".join(str(part) for part in first["loc"]) or None
    said = message_of(first)
    return ValidationFailed(said.template, field=field or path, params=said.params)
