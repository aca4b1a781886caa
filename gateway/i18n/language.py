"""The languages the gateway speaks, and the one a request asks for (`Accept-Language`,
RFC 9110 §12.5.4): the first supported tag by weight; Simplified Chinese otherwise."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    ZH_CN = "zh-CN"
    EN = "en"

    @property
    def locale(self) -> str:
        """The catalogue's directory under gateway/i18n/locale (gettext's spelling)."""
        return self.value.replace("-", "_")


DEFAULT = Language.ZH_CN
"""Units and agencies are Chinese: no header, `*` or only unsupported tags read Chinese."""


def negotiate(header: str | None) -> Language:
    """The language for an `Accept-Language` value such as `en-US,en;q=0.9,zh;q=0.5`."""
    if not header:
        return DEFAULT
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, rest = part.strip().partition(";")
        weight = 1.0
        for param in rest.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            weighted.append((-weight, position, tag.strip().lower()))
    for _weight, _position, tag in sorted(weighted):
        primary = tag.split("-")[0]
        if primary == "zh":
            return Language.ZH_CN
        if primary == "en":
            return Language.EN
        if tag == "*":
            return DEFAULT
    return DEFAULT
