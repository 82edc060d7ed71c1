from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from expotv.auth.exceptions import LoginBlocked
from expotv.auth.ratelimit import LoginThrottle
from expotv.cache import CacheError, MemoryCache
from expotv.config import Environment, Settings

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


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


class BrokenCache(MemoryCache):
    """A cache whose backend is down (Redis unreachable)."""

    async def get(self, key: str) -> bytes | None:
        raise CacheError("down")

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        raise CacheError("down")

    async def delete(self, *keys: str) -> None:
        raise CacheError("down")

    async def incr(self, key: str, ttl_seconds: int) -> tuple[int, int]:
        raise CacheError("down")


async def fail(throttle: LoginThrottle, email: str, address: str, times: int) -> None:
    for _ in range(times):
        await throttle.ensure_allowed(email=email, address=address, now=NOW)
        await throttle.record_failure(email=email, address=address, now=NOW)


async def test_the_email_is_blocked_after_its_limit(tmp_path: Path) -> None:
    throttle = LoginThrottle(MemoryCache(), make_settings(tmp_path))
    await fail(throttle, "a@example.com", "1.1.1.1", 3)
    with pytest.raises(LoginBlocked) as blocked:
        await throttle.ensure_allowed(email="A@example.com", address="2.2.2.2", now=NOW)
    assert blocked.value.headers == {"Retry-After": "900"}
    later = NOW + timedelta(seconds=300)
    with pytest.raises(LoginBlocked) as still:
        await throttle.ensure_allowed(
            email="a@example.com", address="3.3.3.3", now=later
        )
    assert still.value.retry_after == 600
    await throttle.ensure_allowed(email="b@example.com", address="1.1.1.1", now=NOW)


async def test_the_address_is_blocked_after_its_limit(tmp_path: Path) -> None:
    throttle = LoginThrottle(MemoryCache(), make_settings(tmp_path))
    for n in range(5):
        await fail(throttle, f"u{n}@example.com", "1.1.1.1", 1)
    with pytest.raises(LoginBlocked):
        await throttle.ensure_allowed(
            email="new@example.com", address="1.1.1.1", now=NOW
        )
    await throttle.ensure_allowed(email="new@example.com", address="9.9.9.9", now=NOW)


async def test_success_resets_only_the_email_count(tmp_path: Path) -> None:
    throttle = LoginThrottle(MemoryCache(), make_settings(tmp_path))
    await fail(throttle, "a@example.com", "1.1.1.1", 2)
    await throttle.record_success(email="a@example.com")
    await fail(throttle, "a@example.com", "1.1.1.1", 2)
    await throttle.ensure_allowed(email="a@example.com", address="1.1.1.1", now=NOW)
    # Four failures from that address so far: one more reaches its limit of five.
    await fail(throttle, "a@example.com", "1.1.1.1", 1)
    with pytest.raises(LoginBlocked):
        await throttle.ensure_allowed(email="z@example.com", address="1.1.1.1", now=NOW)


async def test_a_limit_of_zero_turns_the_check_off(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_max_failures_per_email=0)
    throttle = LoginThrottle(MemoryCache(), settings)
    for n in range(4):
        await fail(throttle, "a@example.com", f"10.0.0.{n}", 1)
    await throttle.ensure_allowed(email="a@example.com", address="10.0.1.1", now=NOW)


async def test_a_failing_cache_never_blocks_a_login(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    throttle = LoginThrottle(BrokenCache(), make_settings(tmp_path))
    await fail(throttle, "a@example.com", "1.1.1.1", 10)
    await throttle.record_success(email="a@example.com")
    await throttle.ensure_allowed(email="a@example.com", address="1.1.1.1", now=NOW)
    assert "cache unavailable" in caplog.text
