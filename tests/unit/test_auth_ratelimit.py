"""The login throttle on the one rate limiter (in-process storage here).

Windows are moving: a test never depends on where a wall-clock minute starts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from expotv.auth.exceptions import LoginBlocked
from expotv.auth.ratelimit import LoginThrottle
from expotv.cache.ratelimit import Quota, RateLimiter
from expotv.cache.redis import RedisLink
from expotv.config import Environment, Settings
from tests import support


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "data_dir": tmp_path,
        "login_max_failures_per_email": 3,
        "login_max_failures_per_address": 5,
        "login_failure_window_seconds": 900,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


async def fail(throttle: LoginThrottle, email: str, address: str, times: int) -> None:
    for _ in range(times):
        await throttle.ensure_allowed(email=email, address=address)
        await throttle.record_failure(email=email, address=address)


async def test_the_email_is_blocked_after_its_limit(tmp_path: Path) -> None:
    throttle = LoginThrottle(RateLimiter(), make_settings(tmp_path))
    await fail(throttle, "a@example.com", "1.1.1.1", 3)

    with pytest.raises(LoginBlocked) as blocked:
        await throttle.ensure_allowed(email="A@example.com", address="2.2.2.2")

    # Until the first of the three failures leaves the 15-minute window.
    assert 899 <= blocked.value.retry_after <= 900
    assert blocked.value.headers == {"Retry-After": str(blocked.value.retry_after)}
    await throttle.ensure_allowed(email="b@example.com", address="1.1.1.1")


async def test_the_block_ends_when_the_oldest_failure_leaves_the_window(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, login_failure_window_seconds=1)
    throttle = LoginThrottle(RateLimiter(), settings)
    await fail(throttle, "a@example.com", "1.1.1.1", 3)
    with pytest.raises(LoginBlocked) as blocked:
        await throttle.ensure_allowed(email="a@example.com", address="1.1.1.1")
    assert blocked.value.retry_after == 1

    await asyncio.sleep(1.1)

    await throttle.ensure_allowed(email="a@example.com", address="1.1.1.1")


async def test_the_address_is_blocked_after_its_limit(tmp_path: Path) -> None:
    throttle = LoginThrottle(RateLimiter(), make_settings(tmp_path))
    for n in range(5):
        await fail(throttle, f"u{n}@example.com", "1.1.1.1", 1)
    with pytest.raises(LoginBlocked):
        await throttle.ensure_allowed(email="new@example.com", address="1.1.1.1")
    await throttle.ensure_allowed(email="new@example.com", address="9.9.9.9")


async def test_success_resets_only_the_email_count(tmp_path: Path) -> None:
    throttle = LoginThrottle(RateLimiter(), make_settings(tmp_path))
    await fail(throttle, "a@example.com", "1.1.1.1", 2)
    await throttle.record_success(email="a@example.com")
    await fail(throttle, "a@example.com", "1.1.1.1", 2)
    await throttle.ensure_allowed(email="a@example.com", address="1.1.1.1")
    # Four failures from that address so far: one more reaches its limit of five.
    await fail(throttle, "a@example.com", "1.1.1.1", 1)
    with pytest.raises(LoginBlocked):
        await throttle.ensure_allowed(email="z@example.com", address="1.1.1.1")


async def test_a_limit_of_zero_turns_the_check_off(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_max_failures_per_email=0)
    throttle = LoginThrottle(RateLimiter(), settings)
    for n in range(4):
        await fail(throttle, "a@example.com", f"10.0.0.{n}", 1)
    await throttle.ensure_allowed(email="a@example.com", address="10.0.1.1")


async def test_an_unreachable_redis_never_blocks_a_login(tmp_path: Path) -> None:
    # Nothing listens on this port: every call fails fast and the limiter counts
    # in the process instead (an outage alone never blocks anyone).
    link = RedisLink.from_url(
        f"redis://127.0.0.1:{support.free_port()}", socket_timeout=0.2
    )
    throttle = LoginThrottle(RateLimiter(link), make_settings(tmp_path))
    try:
        await fail(throttle, "a@example.com", "1.1.1.1", 2)
        await throttle.record_success(email="a@example.com")
        await throttle.ensure_allowed(email="a@example.com", address="1.1.1.1")
        assert not link.is_up
        # Counting went on locally: the limit still holds on this instance.
        await fail(throttle, "a@example.com", "1.1.1.1", 3)
        with pytest.raises(LoginBlocked):
            await throttle.ensure_allowed(email="a@example.com", address="1.1.1.1")
    finally:
        await link.close()


async def test_a_quota_counts_a_moving_window_not_a_calendar_one() -> None:
    limiter = RateLimiter()
    quota = Quota("test", 2, 2)

    assert await limiter.hit(quota, "x")
    await asyncio.sleep(1.0)
    assert await limiter.hit(quota, "x")
    assert not await limiter.hit(quota, "x")  # two within the last two seconds
    await asyncio.sleep(1.2)
    # The first hit left the window (2.2 s ago), the second did not (1.2 s).
    assert await limiter.hit(quota, "x")
    assert not await limiter.hit(quota, "x")
