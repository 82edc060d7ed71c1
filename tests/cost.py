"""What a request cost this process: CPU time, wall time and peak memory growth.

CPU time (every thread of this process) is what an attack costs the server and
does not depend on what else the machine runs; tests bound it, and bound wall time
only loosely (a request must not wait on anything either).

Peak memory is the kernel's high-water mark (``VmHWM``), reset before the block
(``/proc/self/clear_refs``), so memory FFmpeg or Pillow allocate in C and free
again before the block ends still counts. Linux only, as the test machines are.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
# Only against a hang: the CPU bound is the real one.
WALL_SECONDS = 30.0
_STATUS = Path("/proc/self/status")


@dataclass
class Cost:
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_growth_bytes: int = 0

    @property
    def peak_growth_mb(self) -> float:
        return self.peak_growth_bytes / MB


def _status_kb(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


@contextmanager
def measured() -> Iterator[Cost]:
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to VmRSS
    before_kb = _status_kb("VmRSS")
    cost = Cost()
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - started
        cost.cpu_seconds = time.process_time() - cpu_started
        cost.peak_growth_bytes = (_status_kb("VmHWM") - before_kb) * 1024
