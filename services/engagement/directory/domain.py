"""Rules of the directory's inputs: codes and the unit profile. No I/O."""

from __future__ import annotations

import re

from contracts.core import ValidationFailed
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement.errors import InvalidUSCC
from services.engagement.directory import uscc

# GB/T 4754-2017: a section letter, optionally with its 2-, 3- or 4-digit class.
_INDUSTRY_CODE = re.compile(r"^[A-T](\d{2}|\d{3}|\d{4})?$")


def valid_uscc(code: str) -> str:
    """The normalised USCC, or InvalidUSCC naming what is wrong."""
    reason = uscc.problem(code)
    if reason:
        raise InvalidUSCC(reason.template, field="uscc", params=reason.params)
    return uscc.normalize(code)


def valid_industry_code(code: str) -> str:
    code = code.strip().upper()
    if not _INDUSTRY_CODE.match(code):
        raise ValidationFailed(
            "industry code must be a GB/T 4754 code such as C2614", field="industryCode"
        )
    return code


def check_profile(p: engagement_rpc_directory.UnitProfile) -> None:
    """表 A.1 基本信息 that can be stored: a business term in order, outlet codes unique."""
    if (
        p.business_term_start
        and p.business_term_end
        and p.business_term_end < p.business_term_start
    ):
        raise ValidationFailed("the business term ends before it starts", field="businessTermEnd")
    codes = [o.code for o in p.outlets]
    if len(codes) != len(set(codes)):
        raise ValidationFailed("outlet codes must be unique within a unit", field="outlets")
