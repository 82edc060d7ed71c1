"""Password hashing: argon2id through pwdlib.

The cost of new hashes is a setting (``configure``, called when the app or the demo
starts): one hasher per process, since every caller hashes with the same cost.
Verifying reads the cost from the stored hash itself.
"""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from expotv.config import Settings

_hasher = PasswordHash((Argon2Hasher(),))
_cost: tuple[int, int, int] = (3, 65536, 4)


def configure(settings: Settings) -> None:
    """Hash new passwords (and the timing equaliser) with the settings' cost."""
    global _hasher, _cost
    cost = (
        settings.password_time_cost,
        settings.password_memory_kib,
        settings.password_parallelism,
    )
    if cost == _cost:
        return
    time_cost, memory_kib, parallelism = cost
    _hasher = PasswordHash(
        (
            Argon2Hasher(
                time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
            ),
        )
    )
    _cost = cost
    _dummy_hash.cache_clear()


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
