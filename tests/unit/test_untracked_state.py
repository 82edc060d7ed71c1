"""What a worker keeps per TV is made of tuples of atoms, which CPython's cyclic
collector stops tracking: at 100,000 TVs, objects per TV made every full
collection walk them all (50-130 ms pauses under load, issue #15)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from expotv.tvs.heartbeat import Beat, HeartbeatWriter
from expotv.tvs.ping_limit import PingLimit

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_a_later_beat_wins_and_fills_in_what_it_lacks() -> None:
    older = Beat(NOW, app_version="1.0", resolution="1920x1080")
    newer = Beat(NOW + timedelta(seconds=30), app_version="2.0")
    expected = Beat(newer.seen_at, "2.0", "1920x1080")
    assert older.merged(newer) == expected
    assert newer.merged(older) == expected


async def test_pending_heartbeats_are_not_walked_by_the_collector() -> None:
    writer = HeartbeatWriter(cast(Any, None), flush_seconds=60)
    for tv_id in range(100):
        await writer.record(tv_id, Beat(NOW, app_version="1.0"))
        await writer.record(tv_id, Beat(NOW + timedelta(seconds=1)))
    gc.collect()
    assert writer.pending == 100
    assert not any(gc.is_tracked(beat) for beat in writer._pending.values())
    assert await writer.seen([7]) == {7: NOW + timedelta(seconds=1)}


def test_counted_pings_are_not_walked_by_the_collector() -> None:
    clock = [1000.0]
    limit = PingLimit(per_minute=3, clock=lambda: clock[0])
    for code in ("AAAAAA", "BBBBBB"):
        for _ in range(2):
            limit.hit(code)
            clock[0] += 1
    gc.collect()
    assert not any(gc.is_tracked(pings) for pings in limit._accepted.values())
    assert limit._accepted["AAAAAA"] == (1000.0, 1001.0)
