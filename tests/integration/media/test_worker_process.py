"""A real ``expotv worker`` process converts a video: every API instance serves the
new playlist at once and nudges its connected TVs.

The worker is a separate process with a context of its own (arq on the real
Redis); what reaches the API instances is the invalidation it announces over the
shared pub/sub: the cache's Redis, or the queue's when ``EXPOTV_REDIS_URL`` is unset
(then each API instance's playlist cache is in-process, and the message is the only
way to reach it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.users.models import User
from tests import support
from tests.integration.media import samples
from tests.integration.realtime.helpers import instance, make_tv, next_event

pytestmark = [pytest.mark.redis, pytest.mark.slow]

# The bound: from the worker's commit to every instance serving it.
WITHIN_SECONDS = 2.0


@contextlib.contextmanager
def worker_process(settings: Settings, env: dict[str, str]) -> Iterator[None]:
    process = subprocess.Popen(
        [sys.executable, "-m", "expotv.cli", "worker"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if process.returncode not in (0, -signal.SIGTERM):
            raise AssertionError(output.decode(errors="replace"))


@pytest.mark.parametrize("shared_cache", [False, True], ids=["queue-only", "redis"])
async def test_a_conversion_by_the_worker_reaches_every_instance_and_its_tvs(
    shared_cache: bool,
    settings: Settings,
    clean: None,
    factory: support.Factory,
    admin: User,
) -> None:
    run = support.run_id()
    overrides: dict[str, Any] = {
        "queue_url": support.REDIS_URL,
        "media_queue_name": f"expotv-test-media-{run}",
        "redis_key_prefix": f"expotv-test-{run}",
    }
    if shared_cache:
        overrides["redis_url"] = support.REDIS_URL
    env = {
        "EXPOTV_ENVIRONMENT": "test",
        "EXPOTV_DATA_DIR": str(settings.data_dir),
        "EXPOTV_DATABASE_URL": settings.sqlalchemy_url,
        "EXPOTV_JWT_SECRET": "test-secret-" + "x" * 32,
        "EXPOTV_QUEUE_URL": support.REDIS_URL,
        "EXPOTV_MEDIA_QUEUE_NAME": overrides["media_queue_name"],
        "EXPOTV_REDIS_KEY_PREFIX": overrides["redis_key_prefix"],
        "EXPOTV_LOG_JSON": "false",
    }
    if shared_cache:
        env["EXPOTV_REDIS_URL"] = support.REDIS_URL
    tv = await make_tv(factory)
    headers = await factory.headers(admin)

    with contextlib.ExitStack() as stack:
        # Two API instances where they can share a cache; one otherwise (serve
        # refuses several workers without Redis).
        apis = [stack.enter_context(instance(settings, **overrides))]
        if shared_cache:
            apis.append(stack.enter_context(instance(settings, **overrides)))
        for api in apis:
            api.portal.call(context_of(api.app).pubsub.wait_listening)  # type: ignore[attr-defined]
        watcher = apis[-1]
        ws = stack.enter_context(watcher.websocket_connect(f"/app/tv/{tv.code}/ws"))
        hello = next_event(ws)
        assert hello["evento"] == "conectado"

        created = apis[0].post(
            "/anuncios",
            data={"nome": "Vídeo novo", "condominios_ids": str(tv.condominium_id)},
            files={"arquivo": ("video.webm", samples.webm_vp8(), "video/webm")},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "processando"
        for api in apis:  # every instance has the old playlist cached
            assert (
                api.get(f"/app/tv/{tv.code}/content").json()["versao"]
                == (hello["versao"])
            )

        stack.enter_context(worker_process(settings, env))
        # Bounded: 0.1 s keep-alive pings, at most a minute for start + convert.
        nudge = next_event(ws, within_pings=600)
        nudged_at = datetime.now(UTC)
        served = [api.get(f"/app/tv/{tv.code}/content") for api in apis]
        served_at = datetime.now(UTC)

    assert nudge["evento"] == "conteudo_atualizado"
    assert nudge["versao"] != hello["versao"]
    for response in served:
        assert response.status_code == 200
        assert response.json()["versao"] == nudge["versao"]
        assert {item["id"] for item in response.json()["itens"]} == {
            created.json()["id"]
        }
    async with factory.sessionmaker() as session:
        ad = await session.get(Ad, created.json()["id"])
    assert ad is not None
    assert ad.status is ContentStatus.ACTIVE
    # The worker's commit stamped updated_at: the nudge and every instance's
    # new playlist came within the bound of it.
    assert (nudged_at - ad.updated_at).total_seconds() < WITHIN_SECONDS
    assert (served_at - ad.updated_at).total_seconds() < WITHIN_SECONDS
