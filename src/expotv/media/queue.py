"""Where video conversions run, off the request path: the media queues.

- Default: an in-process worker (an asyncio queue and one task, started in
  ``lifespan``); the CPU work runs in a thread, one conversion at a time.
- ``EXPOTV_QUEUE_URL=redis://...``: jobs go to arq over Redis, and ``expotv worker``
  (one or more processes, on any machine sharing the database and the storage)
  runs them. The API then runs no conversions itself.

Either way, items left "processando" (a crash, a queue that was down at commit) are
queued again when a worker starts, and by the arq worker every few minutes
(``media.worker``: the ``expotv worker`` process).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.config import Settings
from expotv.db import utcnow
from expotv.media.exceptions import ConversionCancelled
from expotv.media.jobs import sweep_orphans
from expotv.media.service import ConversionQueue, enqueue_effect, take_conversions
from expotv.media.tasks import MediaContext, convert_upload, pending_keys
from expotv.storage.base import ObjectStorage
from expotv.storage.local import LocalStorage

logger = logging.getLogger(__name__)

JOB_NAME = "convert_media"


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


class MediaQueueHook:
    """Queues, after a commit, the conversions its unit of work recorded."""

    def __init__(self, queue: ConversionQueue) -> None:
        self._queue = queue

    async def after_commit(self, session: AsyncSession) -> None:
        for key in take_conversions(session):
            await enqueue_effect(self._queue, key)()

    async def after_rollback(self, session: AsyncSession) -> None:
        take_conversions(session)


@asynccontextmanager
async def run_media(
    settings: Settings,
    storage: ObjectStorage,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    sweep: bool,
) -> AsyncIterator[InProcessMediaQueue | ArqMediaQueue]:
    """The media queue uploads use (in-process worker, or arq's Redis). In the
    background: measure the local media folder and, with ``sweep`` (this instance
    runs the jobs), sweep orphans once."""
    async with AsyncExitStack() as stack:
        housekeeping = asyncio.create_task(
            _housekeeping(storage, sessionmaker, sweep=sweep),
            name="expotv-media-housekeeping",
        )
        stack.push_async_callback(_cancel, housekeeping)
        queue: InProcessMediaQueue | ArqMediaQueue
        if settings.queue_url:
            queue = await ArqMediaQueue.connect(settings)
            stack.push_async_callback(queue.close)
        else:
            queue = InProcessMediaQueue(MediaContext(settings, storage, sessionmaker))
            queue.start()
            stack.push_async_callback(queue.stop)
            await requeue_all(queue, sessionmaker)
        yield queue


async def _housekeeping(
    storage: ObjectStorage,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    sweep: bool,
) -> None:
    try:
        if isinstance(storage, LocalStorage):
            await storage.measure()
        if sweep:
            await sweep_orphans(sessionmaker, storage, now=utcnow())
    except Exception:
        logger.exception("falha na manutenção do armazenamento de mídia")


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def requeue_all(
    queue: ConversionQueue, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    try:
        for key in await pending_keys(sessionmaker):
            await queue.enqueue(key)
    except Exception:
        # Start-up must not fail for this (e.g. before the first migration).
        logger.exception("falha ao procurar conversões pendentes")
