"""The lookup guard's own copy of blocks stays bounded, however many addresses
are blocked at once (the shared cache keeps the blocks themselves)."""

from __future__ import annotations

import pytest

from expotv.cache.memory import MemoryCache
from expotv.cache.ratelimit import RateLimiter
from expotv.playlist import lookups
from expotv.playlist.exceptions import TVLookupRateLimited


def test_blocks_remembered_in_process_stay_under_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lookups, "_MAX_REMEMBERED", 100)
    now = 1_000.0
    guard = lookups.LookupGuard(
        RateLimiter(), MemoryCache(), per_minute=10, clock=lambda: now
    )

    for n in range(1_000):
        # Each address blocked for the next minute, as the shared cache says.
        guard._left(f"10.0.{n // 256}.{n % 256}", now + 60, now)

    assert len(guard._blocked) == 100
    # The newest are the ones kept, and they still refuse without a round trip.
    with pytest.raises(TVLookupRateLimited):
        guard.ensure_allowed("10.0.3.231")
    guard.ensure_allowed("10.0.0.0")  # forgotten here; the shared cache decides
