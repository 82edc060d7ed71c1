"""Per-request counts kept in the process reach their Prometheus metrics as the
direct writes would have: counters and gauges by label values, a histogram's
buckets and sum, every second and when the flusher stops."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from expotv.observability import tally
from expotv.observability.tally import Counts, Flusher, Observations

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 1)


def _samples(
    registry: CollectorRegistry,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for metric in registry.collect()
        for sample in metric.samples
        if not sample.name.endswith("_created")
    }


def test_counts_reach_the_counter_by_labels_only_when_flushed() -> None:
    registry = CollectorRegistry()
    counter = Counter("c_total", "c", ["route"], registry=registry)
    counts = Counts(counter)
    counts.add(("/a",))
    counts.add(("/a",))
    counts.add(("/b",), amount=3)
    assert registry.get_sample_value("c_total", {"route": "/a"}) is None
    counts.flush()
    assert registry.get_sample_value("c_total", {"route": "/a"}) == 2
    assert registry.get_sample_value("c_total", {"route": "/b"}) == 3
    # Flushed once: nothing is added twice.
    counts.flush()
    assert registry.get_sample_value("c_total", {"route": "/a"}) == 2


def test_a_gauge_gets_the_net_change_of_what_went_up_and_down() -> None:
    registry = CollectorRegistry()
    gauge = Gauge("g", "g", registry=registry)
    counts = Counts(gauge)
    for _ in range(5):
        counts.add()
    for _ in range(3):
        counts.add(amount=-1)
    counts.flush()
    assert registry.get_sample_value("g") == 2
    counts.add(amount=-2)
    counts.flush()
    assert registry.get_sample_value("g") == 0


durations = st.lists(
    st.one_of(
        st.sampled_from([0.0, *BUCKETS, 1.5, 30.0]),
        st.floats(min_value=0, max_value=20, allow_nan=False),
    ),
    max_size=40,
)


@given(durations)
def test_a_histogram_gets_what_observe_would_have_written(values: list[float]) -> None:
    direct_registry, tallied_registry = CollectorRegistry(), CollectorRegistry()
    direct = Histogram("h", "h", ["route"], buckets=BUCKETS, registry=direct_registry)
    tallied = Histogram("h", "h", ["route"], buckets=BUCKETS, registry=tallied_registry)
    observations = Observations(tallied)
    for value in values:
        direct.labels("/a").observe(value)
        observations.observe(("/a",), value)
    observations.flush()
    got, want = _samples(tallied_registry), _samples(direct_registry)
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == pytest.approx(value), key


def test_the_module_flush_writes_every_tally() -> None:
    registry = CollectorRegistry()
    counter = Counter("m_total", "m", registry=registry)
    Counts(counter).add()
    tally.flush()
    assert registry.get_sample_value("m_total") == 1


async def test_the_flusher_writes_each_round_and_once_more_when_it_stops() -> None:
    registry = CollectorRegistry()
    counts = Counts(Counter("f_total", "f", registry=registry))
    flusher = Flusher(seconds=0.02)
    flusher.start()
    try:
        counts.add()
        for _ in range(100):
            await asyncio.sleep(0.02)
            if registry.get_sample_value("f_total") == 1:
                break
        assert registry.get_sample_value("f_total") == 1
        counts.add(amount=4)
    finally:
        await flusher.stop()
    assert registry.get_sample_value("f_total") == 5
