"""The /metrics text, for one process or for all the workers of ``expotv serve``.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``expotv serve --workers N`` with N > 1 sets it
to a fresh folder), every worker writes its samples there and any worker answering a
scrape merges them all. ``process_*`` then describes the answering worker only;
node_exporter covers the machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
    multiprocess,
)

from expotv.observability import tally

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def render() -> bytes:
    tally.flush()
    if not is_multiprocess():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    ProcessCollector(registry=registry)
    return generate_latest(registry)


def mark_process_dead() -> None:
    """Drop this worker's live gauges from the merged view (on shutdown)."""
    if is_multiprocess():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


@contextmanager
def worker_metrics_dir(workers: int) -> Iterator[None]:
    """A fresh ``PROMETHEUS_MULTIPROC_DIR`` for the workers of one ``serve`` run.

    Left alone when the operator set one (they then own wiping it between runs).
    """
    if workers <= 1 or is_multiprocess():
        yield
        return
    path = tempfile.mkdtemp(prefix="expotv-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)
