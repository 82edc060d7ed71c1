"""The one rate limiter: moving windows from the ``limits`` library.

    Quota(name, limit, window_seconds)     "at most ``limit`` in any
                                           ``window_seconds``" (a moving window:
                                           no wall-clock boundary to roll over)
    RateLimiter.hit(quota, subject)        count one; False past the limit
    RateLimiter.test(quota, subject)       would one more be allowed?
    RateLimiter.retry_after(quota, subject) seconds until one more is allowed
    RateLimiter.clear(quota, subject)      start the subject over

In-process (``limits``' memory storage) with one instance; in Redis with several,
through ``limits``' redis-py bridge on the connection pool of the cache's
``RedisLink`` (same server, same timeouts, no second client). While Redis is down
the link answers from an in-process limiter instead: counting goes on locally and
never blocks anyone because of the outage. Used by the login throttle
(``auth.ratelimit``) and the TV-code lookup guard (``playlist.lookups``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from expotv.cache import keys
from expotv.cache.redis import RedisLink

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Quota:
    name: str
    limit: int
    window_seconds: int

    @property
    def is_enabled(self) -> bool:
        return self.limit > 0

    @property
    def item(self) -> RateLimitItem:
        # "limit per window_seconds seconds", namespaced by the quota's name.
        return RateLimitItemPerSecond(
            self.limit, self.window_seconds, namespace=self.name
        )


class RateLimiter:
    def __init__(self, link: RedisLink | None = None) -> None:
        self._link = link
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if link is not None:
            storage = RedisStorage(
                link.url or "redis://",
                implementation="redispy",
                key_prefix=link.key(keys.rate_limit_prefix()),
                connection_pool=link.client.connection_pool,
            )
            self._shared = MovingWindowRateLimiter(storage)

    async def _call(
        self,
        operation: str,
        action: Callable[[MovingWindowRateLimiter], Awaitable[T]],
    ) -> T:
        if self._link is None or self._shared is None:
            return await action(self._local)
        shared = self._shared

        async def primary(_client: Redis[bytes]) -> T:
            return await action(shared)

        return await self._link.call(
            f"rate_{operation}", primary, lambda: action(self._local)
        )

    async def hit(self, quota: Quota, subject: str) -> bool:
        """Count one for ``subject``; False when it is past the limit (not counted)."""
        if not quota.is_enabled:
            return True
        return await self._call("hit", lambda limiter: limiter.hit(quota.item, subject))

    async def test(self, quota: Quota, subject: str) -> bool:
        if not quota.is_enabled:
            return True
        return await self._call(
            "test", lambda limiter: limiter.test(quota.item, subject)
        )

    async def retry_after(self, quota: Quota, subject: str) -> int:
        """Whole seconds until ``subject`` may go again (1 at least, the window at
        most: the oldest counted event leaves the window then)."""
        stats = await self._call(
            "stats", lambda limiter: limiter.get_window_stats(quota.item, subject)
        )
        seconds = math.ceil(stats.reset_time - time.time())
        return min(max(1, seconds), quota.window_seconds)

    async def clear(self, quota: Quota, subject: str) -> None:
        await self._call("clear", lambda limiter: limiter.clear(quota.item, subject))

    async def reset(self) -> None:
        """Forget every local count (between tests; Redis keys go with the cache)."""
        self._local = MovingWindowRateLimiter(MemoryStorage())
