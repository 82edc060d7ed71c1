"""``expotv worker``: arq's worker process running the media conversions.

It builds the base parts of the application context (``expotv.context``: database,
storage, cache, pub/sub, playlist invalidation) and nothing else: no HTTP app, no
scheduler, no socket hub. A finished conversion commits through the context's unit
of work, so every API instance drops the TVs' playlists and nudges their sockets.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from typing import Any

from arq import Worker, cron
from arq.connections import RedisSettings
from arq.worker import func

# `expotv worker` imports no router: without every model registered, the first query
# fails to configure the mappers (Notice -> User) and no conversion ever runs.
import expotv.models  # noqa: F401
from expotv.config import Settings
from expotv.context import open_context
from expotv.media.queue import JOB_NAME, ArqMediaQueue, requeue_all
from expotv.media.tasks import MediaContext, convert_upload, job_timeout_seconds

logger = logging.getLogger(__name__)

REQUEUE_EVERY_MINUTES = 10
# Below Kubernetes' default terminationGracePeriodSeconds (30).
SHUTDOWN_GRACE_SECONDS = 25


async def convert_media(ctx: dict[str, Any], key: str) -> str:
    outcome = await convert_upload(ctx["media"], key)
    return outcome.value


async def _worker_startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    stack = AsyncExitStack()
    ctx["stack"] = stack
    # The base parts only (no hub, no scheduler, no queue of its own): its commits
    # invalidate the TVs' playlists, announced over the shared pub/sub.
    context = await stack.enter_async_context(open_context(settings))
    ctx["media"] = MediaContext(settings, context.storage, context.sessionmaker)
    await requeue_pending(ctx)


async def requeue_pending(ctx: dict[str, Any]) -> None:
    """Queue again items left "processando" (at start, then every few minutes):
    covers an enqueue lost while Redis was down. Job ids make it idempotent."""
    settings: Settings = ctx["settings"]
    queue = ArqMediaQueue(ctx["redis"], settings.media_queue_name)
    await requeue_all(queue, ctx["media"].sessionmaker)


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
        "job_timeout": job_timeout_seconds(settings),
        "keep_result": 0,
        "max_tries": 3,
        # SIGTERM (a deploy, a scale-down) lets the conversion in progress finish
        # within the usual 30 s grace period instead of cancelling it at once.
        "job_completion_wait": SHUTDOWN_GRACE_SECONDS,
    }
    options.update(overrides)
    sweep = cron(requeue_pending, minute=set(range(0, 60, REQUEUE_EVERY_MINUTES)))
    return Worker([func(convert_media, name=JOB_NAME)], cron_jobs=[sweep], **options)


def run_worker(settings: Settings) -> None:
    """``expotv worker``: run until SIGTERM/SIGINT, then stop cleanly (exit 0).

    arq cancels a job still running after the grace period and its ``close()``
    re-raises that cancellation; the job is retried by the next worker (arq keeps
    it in the queue), so for this process it is an orderly stop, not a crash.
    """
    try:
        create_worker(settings).run()
    except asyncio.CancelledError:
        logger.info("trabalhador encerrado; a conversão interrompida será refeita")
