"""Freed memory handed back to the OS now and then (glibc's ``malloc_trim``).

A burst leaves a worker's heap large: 2,000 connections each waiting on a 42 KB
answer are 80 MB of bodies, and once they are freed glibc keeps the pages for
later, so the worker's resident memory stays where the burst took it.
``malloc_trim(0)`` gives every whole free page back. Measured at 100,000 TVs
after a 2,000-connection burst: 348 -> 313 MiB per worker, and 298 MiB after the
traffic that followed (334 MiB without it).

With it, blocks of 1 MiB and more get mappings of their own (``map_large_blocks``),
so what an upload decodes leaves the process when freed.

The call runs in a thread, every ``EXPOTV_MALLOC_TRIM_SECONDS`` (0: never), and
takes some 10 ms: glibc holds each arena's lock while trimming it, so the event
loop may wait that long for a ``malloc`` once in a while. Where the C library
has no ``malloc_trim`` (musl, macOS) it does nothing.

Not a library: the few lines below are all there is (a ``ctypes`` call).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from collections.abc import Callable
from typing import Any

from expotv.tasks import Periodic, log_failure

logger = logging.getLogger(__name__)


# mallopt's parameter for the size from which an allocation is a mapping of its
# own (glibc's malloc.h).
M_MMAP_THRESHOLD = -3
# Uploads decode 8 MB images and video frames: from this size up, a block is
# its own mapping, unmapped as soon as it is freed.
MMAP_THRESHOLD_BYTES = 1024 * 1024


def _libc_function(name: str, *argtypes: Any) -> Callable[..., int] | None:
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    try:
        libc = ctypes.CDLL(library)
    except OSError:
        return None
    function = getattr(libc, name, None)
    if function is None:
        return None
    function.argtypes = list(argtypes)
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


_malloc_trim = _libc_function("malloc_trim", ctypes.c_size_t)
_mallopt = _libc_function("mallopt", ctypes.c_int, ctypes.c_int)


def can_trim() -> bool:
    return _malloc_trim is not None


def trim() -> bool:
    """Give the heap's free pages back to the OS; True when some were."""
    return _malloc_trim is not None and _malloc_trim(0) == 1


def map_large_blocks(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Serve blocks of ``threshold`` bytes and more from mappings of their own,
    returned to the OS when freed; True when the C library took the setting.

    glibc starts at 128 KiB but raises the bar to the size of every mapped block
    freed (up to 32 MiB): after one upload's 8 MB image, such blocks come from
    the heap and their pages stay resident, fragmented between survivors, where
    ``malloc_trim`` cannot return all of them (measured: a worker that served the
    bench's uploads kept 23 MiB more than the other). Setting the bar fixes it.
    """
    return _mallopt is not None and _mallopt(M_MMAP_THRESHOLD, threshold) == 1


class HeapTrimmer:
    """``trim`` every ``seconds`` in a thread, while the process serves."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.trims = 0
        self._periodic = Periodic(
            self._trim, seconds, failed=log_failure(logger, "malloc_trim")
        )

    async def _trim(self) -> None:
        await asyncio.to_thread(trim)
        self.trims += 1

    def start(self) -> None:
        if self.seconds > 0 and can_trim():
            map_large_blocks()
            self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
