"""Scheduled jobs: what runs, how often, and how each run happens once.

    build_jobs(parts)    the jobs of every domain, periods from Settings
    JobRunner.run(job)   lock, claim this period's slot, run, count in
                         ``expotv_job_runs_total{job,result}`` (ok / error / skipped)
    Scheduler            APScheduler 3 ``AsyncIOScheduler`` firing every job
    run_scheduler(parts) the above for as long as a context lasts: ``expotv serve``
                         (when ``run_jobs``) or ``expotv scheduler`` alone, each
                         through ``expotv.context.open_context(jobs=True)``

Every instance's timers fire at the same wall-clock instants (multiples of the
period since the Unix epoch), and a run belongs to the slot
``round(now / period)``: the instance that takes the lock and claims the slot runs
the job, the others see the slot taken and skip. A clock a little off (less than
half a period) still lands in the same slot. A ``local`` job works on its own
process's state (the playlist edges without Redis): every process runs it, with no
lock. A ``quiet`` one (every second) logs its runs at DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from apscheduler.schedulers.asyncio import (  # type: ignore[import-untyped]
    AsyncIOScheduler,
)
from apscheduler.triggers.interval import (  # type: ignore[import-untyped]
    IntervalTrigger,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from expotv.auth import service as auth_service
from expotv.cache import Cache
from expotv.cache.redis import RedisCache
from expotv.config import Settings
from expotv.db import session_scope, utcnow
from expotv.jobs.expiry import expire_content
from expotv.jobs.locks import (
    DatabaseJobCoordinator,
    JobCoordinator,
    RedisJobCoordinator,
)
from expotv.media.jobs import sweep_orphans
from expotv.news.jobs import collect_feeds, expire_collected
from expotv.observability.metrics import JOB_RUNS
from expotv.playlist.service import PlaylistService
from expotv.storage.base import ObjectStorage
from expotv.tvs.jobs import refresh_gauges
from expotv.tvs.presence import Presence

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

JobFunction = Callable[[datetime], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: JobFunction
    local: bool = False
    quiet: bool = False


def slot_of(now: datetime, interval_seconds: float) -> int:
    """The period ``now`` belongs to (timers fire at its centre, ± jitter)."""
    return round(now.timestamp() / interval_seconds)


class JobRunner:
    def __init__(
        self,
        coordinator: JobCoordinator,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.coordinator = coordinator
        self._clock = clock

    async def run(self, job: Job, *, now: datetime | None = None) -> str:
        """Run ``job`` unless another run holds it or already ran this period."""
        now = now or self._clock()
        if job.local:
            result = await self._execute(job, now)
            JOB_RUNS.labels(job=job.name, result=result).inc()
            return result
        slot = slot_of(now, job.interval_seconds)
        result = "skipped"
        try:
            async with self.coordinator.hold(job.name) as held:
                if held and await self.coordinator.claim(
                    job.name, slot, now=now, period_seconds=job.interval_seconds
                ):
                    result = await self._execute(job, now)
        except Exception:
            # The lock or the run record failed (database down): try next period.
            log.exception("tarefa %s: falha ao coordenar a execução", job.name)
            result = "error"
        JOB_RUNS.labels(job=job.name, result=result).inc()
        return result

    @staticmethod
    async def _execute(job: Job, now: datetime) -> str:
        try:
            outcome = await job.run(now)
        except Exception:
            log.exception("tarefa %s falhou", job.name)
            return "error"
        log.log(
            logging.DEBUG if job.quiet else logging.INFO,
            "tarefa %s concluída: %s",
            job.name,
            outcome,
        )
        return "ok"


class Scheduler:
    def __init__(self, jobs: Sequence[Job], runner: JobRunner) -> None:
        self.jobs = list(jobs)
        self.runner = runner
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        # Our runner logs each run's outcome; APScheduler's per-run lines are noise.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        for job in self.jobs:
            self._scheduler.add_job(
                self._fire,
                # Aligned on the epoch, so every instance fires at the same instants.
                IntervalTrigger(
                    seconds=job.interval_seconds, start_date=EPOCH, timezone=UTC
                ),
                args=[job],
                id=job.name,
                name=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(job.interval_seconds // 2)),
            )
        self._scheduler.start()

    async def _fire(self, job: Job) -> str:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            return await self.runner.run(job)
        finally:
            if task is not None:
                self._running.discard(task)

    async def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        # Runs in progress are cancelled (each is one transaction, rolled back) and
        # awaited, so nothing still uses the engine when the lifespan disposes of it.
        running = list(self._running)
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=10)


@dataclass(frozen=True, kw_only=True)
class JobParts:
    """What the jobs use, handed over by the application context."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cache: Cache
    storage: ObjectStorage
    presence: Presence
    playlists: PlaylistService
    http: httpx.AsyncClient | None = None


def build_jobs(parts: JobParts) -> list[Job]:
    """Every scheduled job, periods from ``Settings``."""
    settings = parts.settings
    sessionmaker = parts.sessionmaker
    cache = parts.cache

    async def tv_monitor(now: datetime) -> object:
        return await refresh_gauges(sessionmaker, parts.presence, now=now)

    async def content_expiry(now: datetime) -> object:
        items = await expire_content(sessionmaker, settings, now=now)
        news = await expire_collected(sessionmaker, settings, now=now)
        return {"items": items, "news": news}

    async def cache_cleanup(now: datetime) -> object:
        async with session_scope(sessionmaker) as session:
            logins = await auth_service.purge_expired(session, now=now)
        return {"cache": await cache.clear_expired(), "logins": logins}

    async def media_orphans(now: datetime) -> object:
        return await sweep_orphans(sessionmaker, parts.storage, now=now)

    async def news_feeds(now: datetime) -> object:
        return await collect_feeds(sessionmaker, settings, http=parts.http, now=now)

    async def playlist_edges(now: datetime) -> object:
        return await parts.playlists.pass_edges(now)

    return [
        Job("tv-monitor", settings.tv_monitor_interval_seconds, tv_monitor),
        Job("content-expiry", settings.expiry_interval_seconds, content_expiry),
        Job("cache-cleanup", settings.cache_cleanup_interval_seconds, cache_cleanup),
        Job("news-feeds", settings.feeds_interval_seconds, news_feeds),
        Job(
            "media-orphans",
            settings.media_orphan_sweep_interval_seconds,
            media_orphans,
        ),
        Job(
            "playlist-edges",
            settings.playlist_edge_interval_seconds,
            playlist_edges,
            # Without a shared schedule each process pops its own builds' edges.
            local=not parts.playlists.edges.shared,
            quiet=True,
        ),
    ]


def create_coordinator(parts: JobParts) -> JobCoordinator:
    database = DatabaseJobCoordinator(parts.engine, parts.sessionmaker)
    if isinstance(parts.cache, RedisCache):
        return RedisJobCoordinator(parts.cache.link, fallback=database)
    return database


@asynccontextmanager
async def run_scheduler(parts: JobParts) -> AsyncIterator[Scheduler]:
    """Schedule every job for as long as the context lasts."""
    scheduler = Scheduler(build_jobs(parts), JobRunner(create_coordinator(parts)))
    scheduler.start()
    try:
        yield scheduler
    finally:
        await scheduler.shutdown()
