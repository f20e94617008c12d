"""One-time invite tokens (jury and organizers): shown once in a link, only a hash kept,
so a leaked database does not leak usable invites."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
