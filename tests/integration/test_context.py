"""Each process builds the parts it asks for from one factory (``open_context``)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.context import context_of, open_context, require
from expotv.db import utcnow
from tests import support
from tests.integration.jobs.helpers import ad, condominium


async def test_serve_has_every_part(app: FastAPI) -> None:
    context = context_of(app)

    assert context.heartbeats is not None
    assert context.hub is not None
    assert context.media_queue is not None
    assert context.http is not None
    assert context.scheduler is None  # the test settings run no jobs
    assert context.sessionmaker.hooks  # invalidation, media queue


async def test_a_jobs_only_context_starts_no_tv_side_and_no_media_worker(
    settings: Settings, clean: None
) -> None:
    async with open_context(settings, jobs=True, feeds_client=True) as context:
        assert context.scheduler is not None
        assert {job.name for job in context.scheduler.jobs} >= {"tv-monitor"}
        assert context.hub is None
        assert context.heartbeats is None
        assert context.media_queue is None
        with pytest.raises(RuntimeError, match="não foi iniciado"):
            require(context.hub, "o hub de WebSockets")


async def test_the_worker_context_has_only_the_base_parts(
    settings: Settings, clean: None
) -> None:
    async with open_context(settings) as context:
        assert context.scheduler is None
        assert context.hub is None
        assert context.heartbeats is None
        assert context.media_queue is None
        assert context.http is None
        # Its commits still invalidate playlists (announced to the other instances).
        assert context.invalidator in context.sessionmaker.hooks


def test_the_scheduler_and_worker_processes_do_not_load_the_http_app() -> None:
    code = (
        "import sys, expotv.cli, expotv.context, expotv.media.worker; "
        "loaded = [m for m in sys.modules if m == 'expotv.main' "
        "or m.endswith('.router')]; "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
async def test_expotv_scheduler_runs_the_jobs_without_the_http_app(
    settings: Settings, clean: None, factory: support.Factory
) -> None:
    condo = await condominium(factory)
    item = await ad(
        factory,
        condo,
        status=ContentStatus.ACTIVE,
        expires_at=utcnow() - timedelta(seconds=1),
    )
    env = {
        **os.environ,
        "EXPOTV_DATABASE_URL": settings.sqlalchemy_url,
        "EXPOTV_DATA_DIR": str(settings.data_dir),
        "EXPOTV_JWT_SECRET": "test-secret-" + "x" * 32,
        "EXPOTV_EXPIRY_INTERVAL_SECONDS": "1",
        "EXPOTV_LOG_JSON": "false",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "expotv.cli",
        "scheduler",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(30):
            while True:
                async with factory.sessionmaker() as session:
                    status = await session.scalar(
                        select(Ad.status).where(Ad.id == item)
                    )
                if status is ContentStatus.EXPIRED:
                    break
                await asyncio.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 30)

    assert process.returncode == 0, output.decode()
    assert "agendador em execução" in output.decode()
