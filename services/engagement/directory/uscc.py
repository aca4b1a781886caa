"""统一社会信用代码 (unified social credit code, USCC) per GB 32100-2015.

18 characters from a 31-symbol alphabet (digits and capitals without I, O, Z, S,
V): registration authority (1), organisation kind (1), administrative division
of the registering office (6 digits, GB/T 2260), organisation code (9) and a
check character computed with weights 3^i mod 31.
"""

from __future__ import annotations

import re

from contracts.core import Message

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$")


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (which must be in the alphabet)."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    return code.strip().upper()


def problem(code: str) -> Message | None:
    """Why `code` is not a valid USCC, or None when it is."""
    code = normalize(code)
    if len(code) != 18:
        return Message(
            "统一社会信用代码 must be 18 characters, got {length}", {"length": len(code)}
        )
    if not _SHAPE.match(code):
        return Message(
            "统一社会信用代码 contains characters outside GB 32100 "
            "(digits and capitals except I, O, Z, S, V)"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return Message(
            "统一社会信用代码 check character is '{found}', expected '{expected}'",
            {"found": code[17], "expected": expected},
        )
    return None


def region_code(code: str) -> str:
    """Administrative division (GB/T 2260) of the registering office: characters 3–8."""
    return normalize(code)[2:8]
