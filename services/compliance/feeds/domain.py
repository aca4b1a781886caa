"""Pure rules of calendar feeds: the secret token and the hash that is kept of it."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits: the URL is the credential, guessing one is hopeless


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored and looked up: the token itself is never kept."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
