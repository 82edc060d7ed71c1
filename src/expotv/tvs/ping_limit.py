"""How often one TV code may ping (``EXPOTV_PING_MAX_PER_CODE_PER_MINUTE``).

A TV pings every ``intervalo_ping`` seconds (30), and once more when its page
loads. Past the limit in any minute (a moving window on the one rate limiter,
counted by every instance together) a ping answers 429 with Retry-After and writes
nothing. The count costs each ping one Redis round trip (one more on a refusal, for
Retry-After); with a limit of 0 it is off and costs nothing.
"""

from __future__ import annotations

from expotv.cache.ratelimit import Quota, RateLimiter
from expotv.tvs.exceptions import TVPingRateLimited

WINDOW_SECONDS = 60


class PingLimit:
    def __init__(self, limiter: RateLimiter, *, per_minute: int) -> None:
        self._limiter = limiter
        self._quota = Quota("tv-ping", per_minute, WINDOW_SECONDS)

    async def hit(self, code: str) -> None:
        """Count one ping of ``code``; 429 past the limit (not counted then)."""
        if await self._limiter.hit(self._quota, code):
            return
        retry_after = await self._limiter.retry_after(self._quota, code)
        raise TVPingRateLimited(retry_after=retry_after)
