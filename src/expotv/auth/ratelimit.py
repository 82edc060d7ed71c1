"""Password guessing and sign-up floods, on the one rate limiter (``cache.ratelimit``).

    login failure        counted for the email and for the client address, each in
                         a moving window of ``login_failure_window_seconds``
    wrong senha_atual    (``PUT /auth/me``, the dashboard's "Minha conta") counted
                         for the account's email together with its login failures:
                         a stolen token cannot guess the password while the login
                         form is locked, nor guess on after it
    limit hit            every login and every password check of that email (even
                         with the right password, so guessing on does not tell a
                         right password apart) is 429 with Retry-After until the
                         oldest counted failure leaves the window
    success              the email starts over (the address does not: an attacker
                         could otherwise reset it with an account of its own)
    sign-up              ``/auth/register`` counted per client address, each call
                         that gets as far as hashing its password (~0.1 s of CPU):
                         ``register_max_per_address`` per ``register_window_seconds``

With Redis the counts are shared by every instance; while Redis is down each
instance counts on its own, so an outage never blocks anyone by itself. A limit of
0 or less turns that check off.
"""

from __future__ import annotations

from expotv.auth.exceptions import (
    LoginBlocked,
    PasswordChecksBlocked,
    RegistrationRateLimited,
)
from expotv.cache import keys
from expotv.cache.ratelimit import Quota, RateLimiter
from expotv.config import Settings
from expotv.errors import RateLimited


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

    def _checks(self, email: str, address: str | None) -> list[tuple[Quota, str]]:
        checks = [(self._per_email, keys.email_subject(email))]
        if address is not None:
            checks.append((self._per_address, keys.address_subject(address)))
        return checks

    async def _ensure(
        self, checks: list[tuple[Quota, str]], error: type[RateLimited]
    ) -> None:
        for quota, subject in checks:
            if not await self._limiter.test(quota, subject):
                retry_after = await self._limiter.retry_after(quota, subject)
                raise error(retry_after=retry_after)

    async def ensure_allowed(self, *, email: str, address: str) -> None:
        """Before a login: 429 while the email or the address is blocked."""
        await self._ensure(self._checks(email, address), LoginBlocked)

    async def ensure_password_check_allowed(self, *, email: str) -> None:
        """Before checking a signed-in account's password: 429 while its email
        is blocked."""
        await self._ensure(self._checks(email, None), PasswordChecksBlocked)

    async def record_failure(self, *, email: str, address: str | None) -> None:
        """A wrong password: for the email, and for the address when given."""
        for quota, subject in self._checks(email, address):
            await self._limiter.hit(quota, subject)

    async def record_success(self, *, email: str) -> None:
        await self._limiter.clear(self._per_email, keys.email_subject(email))


class RegistrationThrottle:
    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self._limiter = limiter
        self._per_address = Quota(
            "register-address",
            settings.register_max_per_address,
            settings.register_window_seconds,
        )

    async def hit(self, *, address: str) -> None:
        """Count one sign-up from ``address``; 429 past the limit."""
        subject = keys.address_subject(address)
        if await self._limiter.hit(self._per_address, subject):
            return
        retry_after = await self._limiter.retry_after(self._per_address, subject)
        raise RegistrationRateLimited(retry_after=retry_after)
