"""Who may look TV codes up: the guard against enumerating codes.

A code that does not exist counts against the client address (a moving window of a
minute, on the one rate limiter); past ``tv_lookup_rate_per_minute`` the address is
blocked (429 with Retry-After) until the oldest counted miss leaves the window. A
blocked address still gets the codes it was already playing (those this process
already serves): a building's TVs behind one address keep working while something
on the same network enumerates.

``ensure_allowed(client, code)`` is the check any public code lookup can put in
front of its database query (content, ping and the WebSocket do; the player page
may), ``record_miss(client)`` counts an unknown code. The block is remembered in
the process so that a blocked address costs no round trip to Redis and none to
the database.
"""

from __future__ import annotations

import time
from collections.abc import Container

from expotv.cache.ratelimit import Quota, RateLimiter
from expotv.playlist.exceptions import TVLookupRateLimited

WINDOW_SECONDS = 60
_MAX_REMEMBERED = 10_000


class LookupGuard:
    def __init__(
        self, limiter: RateLimiter, *, per_minute: int, known: Container[str]
    ) -> None:
        self._limiter = limiter
        self._quota = Quota("tv-lookup", per_minute, WINDOW_SECONDS)
        self._known = known
        self._blocked: dict[str, float] = {}

    def ensure_allowed(self, client: str, code: str) -> None:
        """Refuse ``client`` while blocked, unless ``code`` is one it plays."""
        if code in self._known:
            return
        until = self._blocked.get(client)
        if until is None:
            return
        left = until - time.monotonic()
        if left <= 0:
            del self._blocked[client]
            return
        raise TVLookupRateLimited(retry_after=max(1, round(left)))

    async def record_miss(self, client: str) -> None:
        """Count a lookup of a code that does not exist; 429 past the limit."""
        if await self._limiter.hit(self._quota, client):
            return
        retry_after = await self._limiter.retry_after(self._quota, client)
        self._blocked[client] = time.monotonic() + retry_after
        if len(self._blocked) > _MAX_REMEMBERED:
            self._prune()
        raise TVLookupRateLimited(retry_after=retry_after)

    def _prune(self) -> None:
        now = time.monotonic()
        for client in [c for c, until in self._blocked.items() if until <= now]:
            del self._blocked[client]

    def reset(self) -> None:
        self._blocked.clear()
