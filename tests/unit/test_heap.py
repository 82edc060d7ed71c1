"""Freed heap handed back to the OS (``expotv.heap``)."""

from __future__ import annotations

import asyncio

from expotv.heap import HeapTrimmer, can_trim, trim


def _resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def test_freed_bodies_leave_the_process_after_a_trim() -> None:
    """What a burst of answers leaves behind: many freed 40 KB blocks kept by
    glibc until trimmed (interleaved with survivors, so the heap's top cannot
    simply shrink)."""
    assert can_trim()  # glibc, as on every machine the service ships to
    blocks = [bytes(40_000) + bytes([n % 256]) for n in range(4_000)]
    kept = blocks[::50]
    del blocks
    before = _resident_mib()
    assert trim()
    assert _resident_mib() < before - 50
    assert len(kept) == 80


async def test_the_trimmer_runs_while_serving_and_not_when_off() -> None:
    running = HeapTrimmer(0.01)
    off = HeapTrimmer(0)
    running.start()
    off.start()
    await asyncio.sleep(0.2)
    await running.stop()
    await off.stop()
    assert running.trims >= 2
    assert off.trims == 0
