from __future__ import annotations

import asyncio
from datetime import timedelta

from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.db import utcnow
from expotv.main import create_app
from tests import support
from tests.integration.jobs.helpers import ad, condominium


async def test_the_app_runs_its_jobs_when_enabled(
    settings: Settings, app: FastAPI, clean: None, factory: support.Factory
) -> None:
    condo = await condominium(factory)
    item = await ad(
        factory,
        condo,
        status=ContentStatus.ACTIVE,
        expires_at=utcnow() - timedelta(seconds=1),
    )
    jobs_app = create_app(
        settings.model_copy(update={"run_jobs": True, "expiry_interval_seconds": 1})
    )

    async with LifespanManager(jobs_app, startup_timeout=30):
        async with asyncio.timeout(10):
            while True:
                async with factory.sessionmaker() as session:
                    status = await session.scalar(
                        select(Ad.status).where(Ad.id == item)
                    )
                if status is ContentStatus.EXPIRED:
                    break
                await asyncio.sleep(0.1)

    assert status is ContentStatus.EXPIRED
