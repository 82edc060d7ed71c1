"""Password hashing: argon2id through pwdlib."""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both failures cost the same
    time. Made on first use: hashing at import cost every process (API workers,
    the scheduler, CLI commands) a second of CPU at start-up."""
    return _hasher.hash("expotv-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _dummy_hash())
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash must not become a 500
        return False
