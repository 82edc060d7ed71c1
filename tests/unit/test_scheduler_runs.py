"""The job runner and the scheduler, with an in-memory coordinator (no DB, no Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from expotv.config import Settings
from expotv.playlist.edges import MemoryEdges
from expotv.scheduler import Job, JobRunner, Scheduler, build_jobs, slot_of
from tests import support


class MemoryCoordinator:
    def __init__(self) -> None:
        self.held: set[str] = set()
        self.slots: dict[str, int] = {}
        self.fail = False

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        if self.fail:
            raise ConnectionError("database down")
        if name in self.held:
            yield False
            return
        self.held.add(name)
        try:
            yield True
        finally:
            self.held.discard(name)

    async def claim(
        self, name: str, slot: int, *, now: datetime, period_seconds: float
    ) -> bool:
        if self.slots.get(name, -1) >= slot:
            return False
        self.slots[name] = slot
        return True


def job_runs(job: str, result: str) -> float:
    value = support.sample_value(
        "expotv_job_runs_total", {"job": job, "result": result}
    )
    return value or 0.0


def at(seconds: float) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def test_fire_times_a_little_early_or_late_belong_to_the_same_period() -> None:
    aligned = datetime.fromtimestamp(1_800_000_000, UTC)  # a multiple of 60 s

    slots = {
        slot_of(aligned + timedelta(seconds=offset), 60)
        for offset in (-0.2, -0.001, 0, 0.3, 25)
    }

    assert slots == {1_800_000_000 // 60}
    assert slot_of(aligned + timedelta(seconds=60), 60) == 1_800_000_000 // 60 + 1


async def test_a_job_runs_once_per_period_however_often_it_fires() -> None:
    ran: list[datetime] = []

    async def work(now: datetime) -> None:
        ran.append(now)

    runner = JobRunner(MemoryCoordinator())
    job = Job("unit-once", 10, work)
    results = [await runner.run(job, now=at(s)) for s in (0, 0.5, 4, 10, 10.2, 20)]

    assert results == ["ok", "skipped", "skipped", "ok", "skipped", "ok"]
    assert ran == [at(0), at(10), at(20)]


async def test_a_job_whose_lock_is_held_is_skipped() -> None:
    coordinator = MemoryCoordinator()
    runner = JobRunner(coordinator)

    async def work(now: datetime) -> None:
        raise AssertionError("must not run")

    coordinator.held.add("unit-held")

    assert await runner.run(Job("unit-held", 10, work), now=at(0)) == "skipped"


async def test_runs_are_counted_by_job_and_result() -> None:
    coordinator = MemoryCoordinator()
    runner = JobRunner(coordinator)

    async def broken(now: datetime) -> None:
        raise ValueError("boom")

    async def fine(now: datetime) -> int:
        return 3

    before = {
        result: job_runs("unit-count", result) for result in ("ok", "error", "skipped")
    }
    await runner.run(Job("unit-count", 10, broken), now=at(0))
    await runner.run(Job("unit-count", 10, fine), now=at(1))
    await runner.run(Job("unit-count", 10, fine), now=at(10))
    coordinator.fail = True
    await runner.run(Job("unit-count", 10, fine), now=at(20))

    assert job_runs("unit-count", "error") == before["error"] + 2
    assert job_runs("unit-count", "skipped") == before["skipped"] + 1
    assert job_runs("unit-count", "ok") == before["ok"] + 1


async def test_the_scheduler_fires_jobs_at_aligned_instants() -> None:
    fired = asyncio.Event()
    times: list[datetime] = []

    async def work(now: datetime) -> None:
        times.append(now)
        fired.set()

    scheduler = Scheduler([Job("unit-tick", 1, work)], JobRunner(MemoryCoordinator()))
    scheduler.start()
    try:
        next_run = scheduler._scheduler.get_job("unit-tick").next_run_time
        async with asyncio.timeout(5):
            await fired.wait()
    finally:
        await scheduler.shutdown()

    assert next_run.microsecond == 0
    assert len(times) == 1


async def test_shutdown_cancels_a_run_in_progress() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def slow(now: datetime) -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    scheduler = Scheduler([Job("unit-slow", 1, slow)], JobRunner(MemoryCoordinator()))
    scheduler.start()
    async with asyncio.timeout(5):
        await started.wait()

    await scheduler.shutdown()

    assert cancelled.is_set()


def test_every_job_of_the_issue_is_scheduled_with_its_configured_period(
    tmp_path: Path,
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        tv_monitor_interval_seconds=11,
        expiry_interval_seconds=12,
        cache_cleanup_interval_seconds=13,
        feeds_interval_seconds=14,
        media_orphan_sweep_interval_seconds=15,
        playlist_edge_interval_seconds=2.5,
    )
    parts: Any = SimpleNamespace(
        settings=settings,
        sessionmaker=None,
        cache=None,
        playlists=SimpleNamespace(edges=MemoryEdges()),
    )

    jobs = {job.name: job for job in build_jobs(parts)}

    assert {name: job.interval_seconds for name, job in jobs.items()} == {
        "tv-monitor": 11,
        "content-expiry": 12,
        "cache-cleanup": 13,
        "news-feeds": 14,
        "media-orphans": 15,
        "playlist-edges": 2.5,
    }
    # Edges kept in this process are this process's to pass, with no lock.
    assert [name for name, job in jobs.items() if job.local] == ["playlist-edges"]


async def test_a_local_job_runs_in_every_process_without_a_lock() -> None:
    ran: list[datetime] = []

    async def work(now: datetime) -> object:
        ran.append(now)
        return None

    class Refusing:
        def hold(self, name: str) -> Any:
            raise AssertionError("a local job takes no lock")

        async def claim(self, *args: Any, **kwargs: Any) -> bool:
            raise AssertionError("a local job claims no slot")

    runner = JobRunner(Refusing())
    job = Job("own-state", 1, work, local=True)
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    assert await runner.run(job, now=now) == "ok"
    assert await runner.run(job, now=now) == "ok"
    assert ran == [now, now]
