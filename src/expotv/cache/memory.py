from __future__ import annotations

import math
import time
from collections import OrderedDict


class MemoryCache:
    """In-process LRU with per-entry TTL. One per process: fine for one instance."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._data: OrderedDict[str, tuple[float, bytes | int]] = OrderedDict()
        self._max_entries = max_entries

    def _live(self, key: str, now: float) -> bytes | int | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at <= now:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return value

    def _store(self, key: str, value: bytes | int, expires_at: float) -> None:
        self._data[key] = (expires_at, value)
        self._data.move_to_end(key)
        while len(self._data) > self._max_entries:
            self._data.popitem(last=False)

    async def get(self, key: str) -> bytes | None:
        value = self._live(key, time.monotonic())
        return value if isinstance(value, bytes) else None

    async def get_many(self, *keys: str) -> list[bytes | None]:
        return [await self.get(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._store(key, value, time.monotonic() + ttl_seconds)

    async def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        now = time.monotonic()
        if self._live(key, now) is not None:
            return False
        self._store(key, value, now + ttl_seconds)
        return True

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(key, None)

    async def incr(self, key: str, ttl_seconds: int) -> tuple[int, int]:
        now = time.monotonic()
        current = self._live(key, now)
        if isinstance(current, int):
            expires_at = self._data[key][0]
            count = current + 1
        else:
            expires_at = now + ttl_seconds
            count = 1
        self._store(key, count, expires_at)
        return count, max(1, math.ceil(expires_at - now))

    async def check(self) -> None:
        return None

    async def clear_expired(self) -> int:
        now = time.monotonic()
        expired = [k for k, (exp, _) in self._data.items() if exp <= now]
        for key in expired:
            del self._data[key]
        return len(expired)

    async def close(self) -> None:
        self._data.clear()
