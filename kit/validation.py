"""Input refused by a contract, said to a person: Chinese first, then pydantic's English.

Both doors that validate input (the gateway building a request from a mutation's
input, a service parsing a request) report the first error this way, so a caller reads
the same words whichever side refused it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from contracts.core import ValidationFailed

# pydantic's error types (pydantic.dev/errors/validation_errors) → 中文, with the
# constraint's value from the error's `ctx` where it has one.
_ZH: dict[str, str] = {
    "missing": "必填项缺失",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "至多 {max_length} 项",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "至多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不得小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不得大于 {le}",
    "decimal_max_digits": "数字至多 {max_digits} 位",
    "decimal_max_places": "小数至多 {decimal_places} 位",
    "finite_number": "必须是有限的数",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "uuid_parsing": "不是有效的标识",
    "date_from_datetime_parsing": "不是有效的日期",
    "date_parsing": "不是有效的日期",
    "extra_forbidden": "不接受此字段",
}


def describe(error: ErrorDetails) -> str:
    """`中文 / English` for one pydantic error; `输入无效 / …` for types not listed."""
    context: dict[str, Any] = dict(error.get("ctx") or {})
    try:
        zh = _ZH[error["type"]].format(**context)
    except (KeyError, IndexError):
        zh = "输入无效"
    return f"{zh} / {error['msg']}"


def validation_failed(exc: ValidationError, *, field: str | None = None) -> ValidationFailed:
    """The first error of a refused input, on its field path (`a.0.b`) unless given."""
    errors = exc.errors()
    if not errors:
        return ValidationFailed("输入无效 / invalid input", field=field)
    first = errors[0]
    path = ".".join(str(part) for part in first["loc"]) or None
    return ValidationFailed(describe(first), field=field or path)
