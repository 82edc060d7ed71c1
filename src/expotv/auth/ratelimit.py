"""Login brute-force protection on the one rate limiter (``cache.ratelimit``).

    failure     -> counted for the email and for the client address, each in a
                   moving window of ``login_failure_window_seconds``
    limit hit   -> every login (even with the right password, so guessing on does
                   not tell a right password apart) is 429 with Retry-After until
                   the oldest counted failure leaves the window
    success     -> the email starts over (the address does not: an attacker could
                   otherwise reset it with an account of its own)

With Redis the counts are shared by every instance; while Redis is down each
instance counts on its own, so an outage never blocks a login by itself. A limit
of 0 or less turns that check off.
"""

from __future__ import annotations

from expotv.auth.exceptions import LoginBlocked
from expotv.cache import keys
from expotv.cache.ratelimit import Quota, RateLimiter
from expotv.config import Settings


class LoginThrottle:
    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self._limiter = limiter
        window = settings.login_failure_window_seconds
        self._per_email = Quota(
            "login-email", settings.login_max_failures_per_email, window
        )
        self._per_address = Quota(
            "login-address", settings.login_max_failures_per_address, window
        )

    def _checks(self, email: str, address: str) -> list[tuple[Quota, str]]:
        return [
            (self._per_email, keys.email_subject(email)),
            (self._per_address, keys.address_subject(address)),
        ]

    async def ensure_allowed(self, *, email: str, address: str) -> None:
        for quota, subject in self._checks(email, address):
            if not await self._limiter.test(quota, subject):
                retry_after = await self._limiter.retry_after(quota, subject)
                raise LoginBlocked(retry_after=retry_after)

    async def record_failure(self, *, email: str, address: str) -> None:
        for quota, subject in self._checks(email, address):
            await self._limiter.hit(quota, subject)

    async def record_success(self, *, email: str) -> None:
        await self._limiter.clear(self._per_email, keys.email_subject(email))
