"""A phase is busy when processes other than the bench's and its services' take
CPU: the arithmetic, and a real busy process outside the bench's tree."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil  # type: ignore[import-untyped]
from bench.machine import CpuSample


def test_others_are_the_machine_less_ours_per_second() -> None:
    earlier = CpuSample(at=100.0, machine=1000.0, ours=50.0)
    later = CpuSample(at=110.0, machine=1015.0, ours=55.0)
    assert later.others_since(earlier) == 1.0
    # Ours grew more than the machine's count (rounding between the two reads).
    assert CpuSample(110.0, 1001.0, 60.0).others_since(earlier) == 0.0
    assert earlier.others_since(earlier) == 0.0


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


# One clock tick per read of each counter, and others_since's rounding.
SLACK = 0.05


def test_a_busy_process_outside_the_bench_is_seen_and_a_child_is_not() -> None:
    # Held to what each spinning process really got (the suite's other workers
    # share the two cores, so a share of wall time would be flaky).
    # Reparented to init (its shell exits at once): not a descendant of ours.
    started = subprocess.run(
        [
            "sh",
            "-c",
            f"{sys.executable} -c 'while True: pass' >/dev/null 2>&1 & echo $!",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    stranger = int(started.stdout)
    try:
        time.sleep(0.3)
        before, spun_before = CpuSample.now(), _cpu(stranger)
        time.sleep(1.5)
        after, spun = CpuSample.now(), _cpu(stranger) - spun_before
        assert spun > 0.1
        others = after.others_since(before) * (after.at - before.at)
        assert others >= spun - SLACK
    finally:
        os.kill(stranger, signal.SIGKILL)

    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        before, spun_before = CpuSample.now(), _cpu(child.pid)
        time.sleep(1.5)
        after, spun = CpuSample.now(), _cpu(child.pid) - spun_before
        assert spun > 0.1
        assert after.ours - before.ours >= spun - SLACK
    finally:
        child.kill()
        child.wait()
