"""A database that hangs does not hold the shutdown: the final heartbeat flush
gives up after its bound, says how many TVs it lost, and returns."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from expotv.tvs import heartbeat
from expotv.tvs.heartbeat import Beat, HeartbeatWriter


class HangingSession:
    async def __aenter__(self) -> HangingSession:
        await asyncio.Event().wait()  # a connection that never comes back
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


async def test_a_hanging_final_flush_is_abandoned_after_its_bound(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(heartbeat, "FINAL_FLUSH_SECONDS", 0.3)
    sessionmaker: Any = HangingSession
    writer = HeartbeatWriter(sessionmaker, flush_seconds=3600)
    writer.start()
    await writer.record(7, Beat(seen_at=datetime.now(UTC)))
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="expotv.tvs.heartbeat"):
        # Bounded here too: a regression fails instead of hanging the suite.
        await asyncio.wait_for(writer.stop(), timeout=5)
    assert time.monotonic() - started < 2
    assert "final heartbeat flush failed, 1 TVs lost" in caplog.text
