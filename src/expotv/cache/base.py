"""A small key/value cache: in-process by default, Redis when configured."""

from __future__ import annotations

from typing import Protocol


class CacheError(Exception):
    """The cache backend failed; callers degrade to working without it."""


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, *keys: str) -> list[bytes | None]:
        """The values of ``keys``, in order, in one round trip."""

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...

    async def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        """Set ``key`` only if it holds nothing; True if this call set it."""

    async def delete(self, *keys: str) -> None: ...

    async def incr(self, key: str, ttl_seconds: int) -> tuple[int, int]:
        """Add one to a counter that lives ``ttl_seconds`` from its first increment.

        Returns the new count and the seconds left in its window.
        """

    async def check(self) -> None:
        """Raise ``CacheError`` when the backend is unreachable (readiness)."""

    async def clear_expired(self) -> int:
        """Drop expired entries (a no-op where the backend expires by itself)."""

    async def close(self) -> None: ...
