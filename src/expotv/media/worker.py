"""Where video conversions run, off the request path.

- Default: an in-process worker (an asyncio queue and one task, started in
  ``lifespan``); the CPU work runs in a thread, one conversion at a time.
- ``EXPOTV_QUEUE_URL=redis://...``: jobs go to arq over Redis, and ``expotv worker``
  (one or more processes, on any machine sharing the database and the storage)
  runs them. The API then runs no conversions itself.

Either way, items left "processando" (a crash, a queue that was down at commit) are
queued again when a worker starts, and by the arq worker every few minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from arq import Worker, create_pool, cron
from arq.connections import ArqRedis, RedisSettings
from arq.worker import func
from starlette.datastructures import State

from expotv.config import Settings
from expotv.db import utcnow
from expotv.media.exceptions import ConversionCancelled
from expotv.media.jobs import sweep_orphans
from expotv.media.tasks import MediaContext, convert_upload, pending_keys
from expotv.storage.base import ObjectStorage
from expotv.storage.local import LocalStorage

logger = logging.getLogger(__name__)

JOB_NAME = "convert_media"
JOB_TIMEOUT_SECONDS = 1800
REQUEUE_EVERY_MINUTES = 10


class InProcessMediaQueue:
    def __init__(self, context: MediaContext) -> None:
        self.context = context
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    async def enqueue(self, key: str) -> None:
        if key in self._queued:
            return
        self._queued.add(key)
        self._queue.put_nowait(key)

    async def join(self) -> None:
        """Wait until every queued conversion has finished (tests, shutdown)."""
        await self._queue.join()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="expotv-media-worker")

    async def stop(self) -> None:
        self.context.cancel.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            key = await self._queue.get()
            try:
                outcome = await convert_upload(self.context, key)
                logger.info("conversão de %s: %s", key, outcome.value)
            except ConversionCancelled:
                return
            except Exception:
                logger.exception("conversão de %s falhou", key)
            finally:
                self._queued.discard(key)
                self._queue.task_done()


class ArqMediaQueue:
    def __init__(self, pool: ArqRedis, queue_name: str) -> None:
        self.pool = pool
        self.queue_name = queue_name

    @classmethod
    async def connect(cls, settings: Settings) -> ArqMediaQueue:
        assert settings.queue_url
        pool = await create_pool(
            RedisSettings.from_dsn(settings.queue_url),
            default_queue_name=settings.media_queue_name,
        )
        return cls(pool, settings.media_queue_name)

    async def enqueue(self, key: str) -> None:
        # The job id makes a second enqueue of a waiting key a no-op.
        await self.pool.enqueue_job(
            JOB_NAME, key, _job_id=f"expotv:convert:{key}", _queue_name=self.queue_name
        )

    async def close(self) -> None:
        await self.pool.aclose()  # type: ignore[attr-defined]


@asynccontextmanager
async def media_lifespan(state: Any, settings: Settings) -> AsyncIterator[None]:
    """``state.media_queue`` for ``ingest``; needs ``state.storage`` and
    ``state.sessionmaker``. In the background: measure the local media folder
    and, where this instance runs jobs, sweep orphans once."""
    storage: ObjectStorage = state.storage
    async with AsyncExitStack() as stack:
        stack.push_async_callback(storage.close)
        housekeeping = asyncio.create_task(
            _housekeeping(storage, state.sessionmaker, settings),
            name="expotv-media-housekeeping",
        )
        stack.push_async_callback(_cancel, housekeeping)
        queue: InProcessMediaQueue | ArqMediaQueue
        if settings.queue_url:
            queue = await ArqMediaQueue.connect(settings)
            stack.push_async_callback(queue.close)
        else:
            queue = InProcessMediaQueue(
                MediaContext(settings, storage, state.sessionmaker)
            )
            queue.start()
            stack.push_async_callback(queue.stop)
            await _requeue_pending(queue, state.sessionmaker)
        state.media_queue = queue
        yield


async def _housekeeping(
    storage: ObjectStorage, sessionmaker: Any, settings: Settings
) -> None:
    try:
        if isinstance(storage, LocalStorage):
            await storage.measure()
        if settings.run_jobs:
            await sweep_orphans(sessionmaker, storage, now=utcnow())
    except Exception:
        logger.exception("falha na manutenção do armazenamento de mídia")


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _requeue_pending(
    queue: InProcessMediaQueue | ArqMediaQueue, sessionmaker: Any
) -> None:
    try:
        for key in await pending_keys(sessionmaker):
            await queue.enqueue(key)
    except Exception:
        # Start-up must not fail for this (e.g. before the first migration).
        logger.exception("falha ao procurar conversões pendentes")


# ``expotv worker``: arq's worker process.


async def convert_media(ctx: dict[str, Any], key: str) -> str:
    outcome = await convert_upload(ctx["media"], key)
    return outcome.value


async def _worker_startup(ctx: dict[str, Any]) -> None:
    from expotv.cache import create_cache
    from expotv.db import create_engine, create_sessionmaker
    from expotv.playlist.service import PlaylistService
    from expotv.storage import create_storage

    settings: Settings = ctx["settings"]
    stack = AsyncExitStack()
    ctx["stack"] = stack
    # A state shaped like the app's, so commits invalidate the TVs' playlists.
    state = State()
    engine = create_engine(settings)
    stack.push_async_callback(engine.dispose)
    state.sessionmaker = create_sessionmaker(engine, info={"state": state})
    state.storage = create_storage(settings)
    stack.push_async_callback(state.storage.close)
    state.cache = create_cache(settings)
    stack.push_async_callback(state.cache.close)
    state.playlists = PlaylistService(
        sessionmaker=state.sessionmaker, cache=state.cache, settings=settings
    )
    stack.push_async_callback(state.playlists.close)
    context = MediaContext(settings, state.storage, state.sessionmaker)
    ctx["media"] = context
    await requeue_pending(ctx)


async def requeue_pending(ctx: dict[str, Any]) -> None:
    """Queue again items left "processando" (at start, then every few minutes):
    covers an enqueue lost while Redis was down. Job ids make it idempotent."""
    settings: Settings = ctx["settings"]
    queue = ArqMediaQueue(ctx["redis"], settings.media_queue_name)
    await _requeue_pending(queue, ctx["media"].sessionmaker)


async def _worker_shutdown(ctx: dict[str, Any]) -> None:
    context: MediaContext | None = ctx.get("media")
    if context is not None:
        context.cancel.set()
    stack: AsyncExitStack | None = ctx.get("stack")
    if stack is not None:
        await stack.aclose()


def create_worker(settings: Settings, **overrides: Any) -> Worker:
    """The arq worker of ``expotv worker`` (``burst=True`` in the tests)."""
    if not settings.queue_url:
        raise ValueError("EXPOTV_QUEUE_URL não definido: defina a URL do Redis da fila")
    options: dict[str, Any] = {
        "queue_name": settings.media_queue_name,
        "redis_settings": RedisSettings.from_dsn(settings.queue_url),
        "on_startup": _worker_startup,
        "on_shutdown": _worker_shutdown,
        "ctx": {"settings": settings},
        # Conversions are CPU-bound and x264 uses every core already.
        "max_jobs": 1,
        "job_timeout": JOB_TIMEOUT_SECONDS,
        "keep_result": 0,
        "max_tries": 3,
    }
    options.update(overrides)
    sweep = cron(requeue_pending, minute=set(range(0, 60, REQUEUE_EVERY_MINUTES)))
    return Worker([func(convert_media, name=JOB_NAME)], cron_jobs=[sweep], **options)
