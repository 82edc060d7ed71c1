"""Login brute-force protection, counted in the app's cache.

    failure     -> +1 on the email's counter and on the client address's counter
                   (each lives one window from its first failure)
    limit hit   -> a block marker for the rest of that window
    any login   -> 429 with Retry-After while a marker exists, even with the right
                   password, so guessing on does not tell a right password apart
    success     -> the email's counter starts over (the address's does not: an
                   attacker could otherwise reset it with an account of its own)

With Redis the counters are shared by every instance. A cache failure never
blocks a login: it is logged and the attempt is allowed. A limit of 0 or less
turns that check off.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime

from expotv.auth.exceptions import LoginBlocked
from expotv.cache import Cache, CacheError, keys
from expotv.config import Settings
from expotv.observability.metrics import CACHE_DEGRADED

log = logging.getLogger(__name__)


class LoginThrottle:
    def __init__(self, cache: Cache, settings: Settings) -> None:
        self._cache = cache
        self._window_seconds = settings.login_failure_window_seconds
        self._max_per_email = settings.login_max_failures_per_email
        self._max_per_address = settings.login_max_failures_per_address

    async def ensure_allowed(self, *, email: str, address: str, now: datetime) -> None:
        for block_key in (
            keys.login_block_email(email),
            keys.login_block_address(address),
        ):
            try:
                blocked_until = await self._cache.get(block_key)
            except CacheError:
                self._degraded("check")
                return
            if blocked_until is not None:
                raise LoginBlocked(retry_after=_seconds_until(blocked_until, now))

    async def record_failure(self, *, email: str, address: str, now: datetime) -> None:
        for counter_key, block_key, limit in (
            (
                keys.login_failures_email(email),
                keys.login_block_email(email),
                self._max_per_email,
            ),
            (
                keys.login_failures_address(address),
                keys.login_block_address(address),
                self._max_per_address,
            ),
        ):
            if limit <= 0:
                continue
            try:
                count, seconds_left = await self._cache.incr(
                    counter_key, self._window_seconds
                )
                if count >= limit:
                    # seconds_left is already rounded up: floor here keeps
                    # Retry-After within the window.
                    until = math.floor(now.timestamp()) + seconds_left
                    await self._cache.set(block_key, str(until).encode(), seconds_left)
            except CacheError:
                self._degraded("record")

    async def record_success(self, *, email: str) -> None:
        try:
            await self._cache.delete(keys.login_failures_email(email))
        except CacheError:
            self._degraded("reset")

    @staticmethod
    def _degraded(step: str) -> None:
        log.warning("login throttle: cache unavailable (%s); allowing", step)
        CACHE_DEGRADED.labels(operation=f"login_throttle_{step}").inc()


def _seconds_until(marker: bytes, now: datetime) -> int:
    try:
        until = int(marker.decode())
    except (UnicodeDecodeError, ValueError):
        return 60
    return max(1, until - math.floor(now.timestamp()))
