"""Engagement domain rules: service modes, stages, and input invariants. No I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from contracts.core import ValidationFailed
from contracts.engagement.enums import ServiceMode
from contracts.engagement.errors import InvalidUSCC
from services.engagement import uscc

# GB/T 4754-2017: a section letter, optionally with its 2-, 3- or 4-digit class.
_INDUSTRY_CODE = re.compile(r"^[A-T](\d{2}|\d{3}|\d{4})?$")


def valid_uscc(code: str) -> str:
    """The normalised USCC, or InvalidUSCC naming what is wrong."""
    reason = uscc.problem(code)
    if reason:
        raise InvalidUSCC(f"统一社会信用代码 {reason}", field="uscc")
    return uscc.normalize(code)


def valid_industry_code(code: str) -> str:
    code = code.strip().upper()
    if not _INDUSTRY_CODE.match(code):
        raise ValidationFailed(
            "industry code must be a GB/T 4754 code such as C2614", field="industryCode"
        )
    return code


def valid_service_modes(modes: Sequence[str]) -> list[ServiceMode]:
    try:
        parsed = [ServiceMode(m) for m in modes]
    except ValueError:
        allowed = ", ".join(m.value for m in ServiceMode)
        raise ValidationFailed(
            f"service modes must be among: {allowed}", field="serviceModes"
        ) from None
    if not parsed:
        raise ValidationFailed("at least one service mode is required", field="serviceModes")
    # Keep the caller's order, drop repeats.
    return list(dict.fromkeys(parsed))


def valid_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("the period must not end before it starts", field="periodEnd")
