"""Pure rules of survey links: the token and its hash, who a respondent is, how long a
link lives, and when it may be answered."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta
from uuid import UUID

from contracts.core import ValidationFailed
from contracts.engagement.enums import Stage
from contracts.engagement.rpc_survey_links import DEFAULT_VALID_DAYS, MAX_VALID_DAYS

# The stages in which a satisfaction survey may be recorded (as `recordSurvey`).
SURVEY_STAGES = (Stage.IMPLEMENTATION, Stage.RESULTS)
TOKEN_BYTES = 32  # 256 bits: guessing one is hopeless, so no lockout is needed


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored and looked up: the token itself is never kept."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def respondent_key(name: str, phone: str | None) -> str:
    """A respondent as the same person however they type their name: NFKC (full-width
    letters and spaces), inner whitespace dropped (张 三 = 张三), case folded."""
    folded = "".join(unicodedata.normalize("NFKC", name).split()).casefold()
    return f"{folded}\x00{phone or ''}"


def respondent_hash(link_id: UUID, key: str) -> str:
    """Salted with the link, so the same person cannot be followed across links; the
    phone number is kept only inside this hash."""
    return hashlib.sha256(f"{link_id}\x00{key}".encode()).hexdigest()


def expiry(requested: datetime | None, now: datetime) -> datetime:
    """The default lifetime, or the requested end if it is ahead and within the limit."""
    if requested is None:
        return now + timedelta(days=DEFAULT_VALID_DAYS)
    if requested.tzinfo is None or not now < requested <= now + timedelta(days=MAX_VALID_DAYS):
        raise ValidationFailed(
            "a survey link must expire after now and within {max} days",
            field="expiresAt",
            params={"max": MAX_VALID_DAYS},
        )
    return requested


def answerable(
    stage: Stage, revoked_at: datetime | None, expires_at: datetime, full: bool, now: datetime
) -> bool:
    return stage in SURVEY_STAGES and revoked_at is None and now < expires_at and not full
