"""Freed heap handed back to the OS (``expotv.heap``)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

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


_LARGE_BLOCKS = """
import sys
from expotv.heap import map_large_blocks

if sys.argv[1] == "on":
    assert map_large_blocks()
# An upload's decoded image: glibc raises its mapping bar to this size once freed.
image = b"x" * (8 * 2**20)  # written: calloc would leave zero pages unmapped
del image
before = int(open("/proc/self/statm").read().split()[1])
blocks = [b"%02d" % n * 2**20 for n in range(20)]
kept = blocks[::5]
del blocks
after = int(open("/proc/self/statm").read().split()[1])
print((after - before) * 4096 // 2**20)
"""


def _resident_growth_mib(setting: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _LARGE_BLOCKS, setting],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_large_blocks_freed_leave_at_once_with_their_own_mappings() -> None:
    """20 blocks of 2 MiB, 16 of them freed between survivors: from the heap
    (glibc's bar raised by the 8 MB block) they stay resident; as mappings of
    their own only the 4 kept do."""
    assert _resident_growth_mib("off") >= 30
    assert _resident_growth_mib("on") <= 12  # the 4 kept: 8 MiB
