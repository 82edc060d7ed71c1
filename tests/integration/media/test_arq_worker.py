"""Conversions through arq over the real Redis: the ``expotv worker`` setup."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import session_scope
from expotv.main import create_app
from expotv.media import service as media_service
from expotv.media.queue import ArqMediaQueue
from expotv.media.tasks import MediaContext
from expotv.media.worker import create_worker, requeue_pending
from expotv.storage import keys
from tests import support
from tests.integration.media import samples
from tests.integration.media.conftest import media_files, waiting_ad

pytestmark = [
    pytest.mark.redis,
    # arq's Worker.close still calls redis-py's deprecated close().
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),
]

NOW = datetime(2026, 8, 9, tzinfo=UTC)


@pytest.fixture
def queue_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "queue_url": support.REDIS_URL,
            "media_queue_name": f"expotv-test-media-{support.run_id()}",
        }
    )


@pytest.fixture
async def queued_app(queue_settings: Settings, clean: None) -> AsyncIterator[FastAPI]:
    application = create_app(queue_settings)
    async with LifespanManager(application, startup_timeout=30):
        yield application


async def run_worker_until_idle(settings: Settings) -> Any:
    worker = create_worker(settings, burst=True, handle_signals=False, poll_delay=0.01)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    return worker


async def create_pending_ad(app: FastAPI, settings: Settings) -> tuple[int, str]:
    async with session_scope(context_of(app).sessionmaker) as session:
        media = await media_service.ingest(
            session,
            samples.upload(samples.webm_vp8()),
            storage=context_of(app).storage,
            settings=settings,
            now=NOW,
        )
        assert media.needs_processing
        ad = waiting_ad(media, "Na fila")
        session.add(ad)
        await session.flush()
        return ad.id, media.key


async def test_api_queues_and_the_worker_process_converts(
    queued_app: FastAPI, queue_settings: Settings
) -> None:
    queue = context_of(queued_app).media_queue
    assert isinstance(queue, ArqMediaQueue)
    ad_id, key = await create_pending_ad(queued_app, queue_settings)
    assert await queue.pool.zcard(queue_settings.media_queue_name) == 1
    await queue.enqueue(key)  # a second enqueue of the same key is a no-op
    assert await queue.pool.zcard(queue_settings.media_queue_name) == 1

    worker = await run_worker_until_idle(queue_settings)

    assert worker.jobs_complete == 1
    assert worker.jobs_failed == 0
    async with context_of(queued_app).sessionmaker() as session:
        ad = await session.get(Ad, ad_id)
        assert ad is not None
        assert ad.status is ContentStatus.ACTIVE
    assert media_files(queue_settings) == sorted([key, keys.thumbnail_key(key)])
    facts = samples.video_facts(queue_settings.media_dir / key)
    assert facts.codecs == [("video", "h264")]


async def test_worker_start_picks_up_items_left_processing(
    queued_app: FastAPI, queue_settings: Settings
) -> None:
    ad_id, key = await create_pending_ad(queued_app, queue_settings)
    queue = context_of(queued_app).media_queue
    await queue.pool.delete(queue_settings.media_queue_name)  # the job was lost
    await queue.pool.delete(f"arq:job:expotv:convert:{key}")

    await run_worker_until_idle(queue_settings)

    async with context_of(queued_app).sessionmaker() as session:
        ad = await session.get(Ad, ad_id)
        assert ad is not None
        assert ad.status is ContentStatus.ACTIVE


async def test_periodic_requeue_puts_a_lost_job_back_once(
    queued_app: FastAPI, queue_settings: Settings
) -> None:
    _ad_id, key = await create_pending_ad(queued_app, queue_settings)
    queue = context_of(queued_app).media_queue
    await queue.pool.delete(queue_settings.media_queue_name)
    await queue.pool.delete(f"arq:job:expotv:convert:{key}")
    ctx = {
        "settings": queue_settings,
        "redis": queue.pool,
        "media": MediaContext(
            queue_settings,
            context_of(queued_app).storage,
            context_of(queued_app).sessionmaker,
        ),
    }

    await requeue_pending(ctx)
    await requeue_pending(ctx)

    assert await queue.pool.zcard(queue_settings.media_queue_name) == 1
    await queue.pool.delete(queue_settings.media_queue_name)
    await queue.pool.delete(f"arq:job:expotv:convert:{key}")
