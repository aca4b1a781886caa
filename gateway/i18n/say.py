"""Saying a message, an error or an enum value in one language.

An error is said from its template and parameters (what the service sent), else from
its code's message, else in English: a caller always gets words, and a gap in a
catalogue shows as English rather than as a failure (the catalogue tests catch gaps).
"""

from __future__ import annotations

from typing import Any

from contracts.core import DomainError, Message, Param
from contracts.engagement.errors import TransitionNotAllowed
from gateway.i18n import catalogues
from gateway.i18n.language import Language

_LIST_SEPARATOR = {Language.ZH_CN: "、", Language.EN: ", "}
LISTS = ("missing", "problems")
"""Details an error may list as messages (`<name>_messages`: template, params and,
for a problem, `at`, where): said one by one, and as the parameter of that name."""


def say(message: Message, language: Language) -> str:
    """`message` in `language`; the English template when it has no translation."""
    return _fill(catalogues.lookup(language, message.template), message, language) or str(message)


def error_message(error: DomainError, language: Language) -> str:
    """What `error` says to a caller of `language`."""
    said = error.said
    if missing := missing_of(error, language):
        said = Message(said.template, {**said.params, "missing": missing})
    for name in LISTS:
        if error.details.get(f"{name}_messages") and name in said.params:
            said = Message(said.template, {**said.params, name: listed(error, name, language)})
    translated = catalogues.lookup(language, said.template)
    if translated is None and language is not Language.EN:
        translated = catalogues.lookup(language, error.code, catalogues.ERROR)
    english = _fill(said.template, said, language) or error.message
    return _fill(translated, said, language) or english


def missing_of(error: DomainError, language: Language) -> list[str]:
    """TransitionNotAllowed.missing: each missing precondition in `language`."""
    if not isinstance(error, TransitionNotAllowed):
        return []
    sent: list[Any] = list(error.details.get("missing_messages") or [])
    if sent:
        return [say(Message.from_dict(m), language) for m in sent]
    return [str(m) for m in error.details.get("missing", [])]


def listed(error: DomainError, name: str, language: Language) -> list[str]:
    """An error's list detail (`missing`, `problems`) in `language`: each message sent
    in `<name>_messages` said, prefixed by where it is; else the strings as sent."""
    sent: list[Any] = list(error.details.get(f"{name}_messages") or [])
    if not sent:
        return [str(m) for m in error.details.get(name, [])]
    out = []
    for m in sent:
        text = say(Message.from_dict(m), language)
        at = m.get("at") if isinstance(m, dict) else None
        out.append(f"{at}: {text}" if at else text)
    return out


def label(language: Language, enum: str, value: str) -> str:
    """The label of a GraphQL enum's value; the value itself when it has none."""
    return catalogues.lookup(language, value, enum) or value


def _fill(template: str | None, message: Message, language: Language) -> str | None:
    if template is None:
        return None
    params = {name: _param(value, language) for name, value in message.params.items()}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return None


def _param(value: Param, language: Language) -> str:
    if isinstance(value, list):
        return _LIST_SEPARATOR[language].join(_param(v, language) for v in value)
    text = str(value)
    if language is Language.EN or not isinstance(value, str):
        return text  # the English templates say values as the services spell them
    return catalogues.term(language, text) or text
