"""The per-request metrics, counted in plain Python and written out once a second.

With several workers each Prometheus sample lives in a memory-mapped file
(``exposition``): every ``inc()`` or ``observe()`` takes a lock, checks the pid and
packs two doubles into the map, about 1.5 µs; ``.labels()`` adds a lookup under
another lock. A TV's request made seven such writes (in progress up and down, the
request, its duration's bucket and sum, the content served, where the playlist
came from), a third of the fast path's own CPU. Here they add to a dict entry
instead, and ``flush`` hands the sums to the real metrics: every second
(``Flusher``, in the serving lifespan), before this process renders ``/metrics``,
and when it stops. Another worker's counts reach a scrape up to a second late.

prometheus-client has no batched write, so ``flush`` adds a histogram's counts to
its buckets itself (``Histogram`` keeps one non-cumulative count per bucket and
the sum: ``_buckets`` and ``_sum``); ``tests/unit/test_tally.py`` holds the
result to what ``observe`` would have written.

Everything here belongs to the event loop's thread, as the requests do.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from expotv.tasks import Periodic, log_failure

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0

Labels = tuple[str, ...]


class Counts:
    """Pending additions to a counter or gauge, by label values."""

    __slots__ = ("metric", "pending")

    def __init__(self, metric: Counter | Gauge) -> None:
        self.metric = metric
        self.pending: dict[Labels, float] = {}
        _ALL.append(self)

    def add(self, labels: Labels = (), amount: float = 1) -> None:
        pending = self.pending
        pending[labels] = pending.get(labels, 0) + amount

    def flush(self) -> None:
        pending, self.pending = self.pending, {}
        for labels, amount in pending.items():
            if amount:
                child = self.metric.labels(*labels) if labels else self.metric
                child.inc(amount)


class Observations:
    """Pending observations of a histogram, by label values: the sum, then one
    count per bucket (the last is +Inf)."""

    __slots__ = ("bounds", "metric", "pending")

    def __init__(self, metric: Histogram) -> None:
        self.metric = metric
        self.bounds: list[float] = list(metric._upper_bounds)
        self.pending: dict[Labels, list[float]] = {}
        _ALL.append(self)

    def observe(self, labels: Labels, value: float) -> None:
        sums = self.pending.get(labels)
        if sums is None:
            sums = self.pending[labels] = [0.0] * (len(self.bounds) + 1)
        sums[0] += value
        # The first bound at or above the value, as Histogram.observe picks it.
        sums[1 + bisect_left(self.bounds, value)] += 1

    def flush(self) -> None:
        pending, self.pending = self.pending, {}
        for labels, sums in pending.items():
            child: Any = self.metric.labels(*labels) if labels else self.metric
            child._sum.inc(sums[0])
            for bucket, count in zip(child._buckets, sums[1:], strict=True):
                if count:
                    bucket.inc(count)


_ALL: list[Counts | Observations] = []


def flush() -> None:
    """Add every pending count to its metric."""
    for tally in _ALL:
        tally.flush()


class Flusher:
    """``flush`` every ``FLUSH_SECONDS`` while the process serves, and once more
    when it stops."""

    def __init__(self, seconds: float = FLUSH_SECONDS) -> None:
        self._periodic = Periodic(
            self._flush, seconds, failed=log_failure(logger, "metrics flush")
        )

    async def _flush(self) -> None:
        flush()

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
        flush()
