"""Redis stopped and restarted under a running instance: TVs keep getting 200."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from expotv.config import Settings
from expotv.context import context_of
from expotv.users.models import User
from tests import support
from tests.integration.realtime.helpers import instance, make_tv
from tests.integration.redis.server import RedisServer

pytestmark = pytest.mark.redis


@pytest.fixture
def tv_app(
    settings: Settings, app: FastAPI, clean: None, redis_server: RedisServer
) -> Iterator[TestClient]:
    with instance(
        settings,
        redis_url=redis_server.url,
        redis_key_prefix=f"expotv-test-{support.run_id()}",
    ) as client:
        # Probe a returning Redis at once instead of every few seconds.
        context_of(client.app).cache.link.recheck_seconds = 0
        yield client


def degraded_total() -> float:
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == "expotv_cache_degraded"
        for sample in metric.samples
        if sample.name == "expotv_cache_degraded_total"
    )


async def test_tvs_keep_getting_their_content_while_redis_is_down_and_back(
    tv_app: TestClient,
    redis_server: RedisServer,
    factory: support.Factory,
    admin: User,
) -> None:
    tv = await make_tv(factory)
    headers = await factory.headers(admin)
    content = f"/app/tv/{tv.code}/content"
    ping = f"/app/tv/{tv.code}/ping"
    assert tv_app.get(content).status_code == 200
    cache = context_of(tv_app.app).cache
    degraded_before = degraded_total()

    redis_server.stop()
    down = [tv_app.get(content).status_code for _ in range(5)]
    down += [tv_app.post(ping, json={}).status_code for _ in range(3)]
    changed = tv_app.put(
        f"/tvs/{tv.id}/proporcao",
        json={"proporcao_anuncios": 4, "proporcao_avisos": 1, "proporcao_noticias": 1},
        headers=headers,
    )
    during = tv_app.get(content)
    assert not cache.link.is_up

    redis_server.start()
    up = [tv_app.get(content).status_code for _ in range(3)]
    after = tv_app.get(content)

    assert down == [200] * 8
    assert changed.status_code == 200
    assert during.status_code == 200
    assert during.json()["tv"]["proporcao_anuncios"] == 4
    assert up == [200] * 3
    assert cache.link.is_up
    assert after.json()["versao"] == during.json()["versao"]
    assert degraded_total() > degraded_before


async def test_a_change_made_while_redis_was_down_reaches_other_instances_later(
    settings: Settings,
    app: FastAPI,
    clean: None,
    redis_server: RedisServer,
    factory: support.Factory,
    admin: User,
) -> None:
    from tests.integration.realtime.helpers import next_event

    tv = await make_tv(factory)
    headers = await factory.headers(admin)
    shared = {
        "redis_url": redis_server.url,
        "redis_key_prefix": f"expotv-test-{support.run_id()}",
    }
    with instance(settings, **shared) as a, instance(settings, **shared) as b:
        b.portal.call(context_of(b.app).pubsub.wait_listening)
        with b.websocket_connect(f"/app/tv/{tv.code}/ws") as ws:
            hello = next_event(ws)
            redis_server.stop()
            assert b.get(f"/app/tv/{tv.code}/content").status_code == 200
            changed = a.put(
                f"/tvs/{tv.id}/proporcao",
                json={
                    "proporcao_anuncios": 6,
                    "proporcao_avisos": 1,
                    "proporcao_noticias": 1,
                },
                headers=headers,
            )
            assert changed.status_code == 200
            redis_server.start()
            nudge = next_event(ws, within_pings=200)
        current = a.get(f"/app/tv/{tv.code}/content").json()["versao"]

    assert nudge == {"evento": "conteudo_atualizado", "versao": current}
    assert current != hello["versao"]
