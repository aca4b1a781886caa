"""The gettext catalogues (`locale/<lang>/LC_MESSAGES/messages.po`), read with Babel
when first used: the .po files are package data, so nothing is compiled at install.

Three kinds of entry, told apart by `msgctxt`:

- none: a message template as services and the gateway raise it, English with
  `{named}` placeholders (`"no stage report {report_no}"`). English needs no entry:
  the template is the English.
- `error`: the message of an error code (`workflow_conflict`), said when a template
  has no translation, e.g. one a newer service sends. Every code has one in every
  language (tests/gateway/i18n checks).
- a GraphQL enum's name (`Stage`): the label of each of its values (`PREPARATION`).
  Enum values double as terms: a template's parameter that is an enum value
  (`{status}` = `open`) is said with its label.
- `term`: other words a parameter can be (a step's name), labelled like enum values.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from gateway.i18n.language import Language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
ERROR = "error"
TERM = "term"


def path_of(language: Language) -> Path:
    return LOCALE_DIR / language.locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(language: Language) -> Catalog:
    with path_of(language).open("rb") as po:
        return read_po(po, locale=language.locale, domain=DOMAIN)


@cache
def _entries(language: Language) -> dict[tuple[str | None, str], str]:
    """(msgctxt, msgid) → msgstr, translated and not fuzzy."""
    out: dict[tuple[str | None, str], str] = {}
    for message in catalogue(language):
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy:
            out[(message.context, message.id)] = str(message.string)
    return out


@cache
def _terms(language: Language) -> dict[str, str]:
    """A parameter's value (upper-cased) → its label: `term` entries first, then enum
    values in catalogue order (a value several enums share takes the first label)."""
    out: dict[str, str] = {}
    for (context, msgid), text in _entries(language).items():
        if context == TERM:
            out[msgid.upper()] = text
    for (context, msgid), text in _entries(language).items():
        if context not in (None, ERROR, TERM):
            out.setdefault(msgid.upper(), text)
    return out


def lookup(language: Language, msgid: str, context: str | None = None) -> str | None:
    return _entries(language).get((context, msgid))


def term(language: Language, value: str) -> str | None:
    return _terms(language).get(value.upper())
