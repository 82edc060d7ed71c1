"""Two app instances on one database and one Redis: changes reach every instance."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from expotv.config import Settings
from expotv.context import context_of
from expotv.users.models import User
from tests import support
from tests.integration.realtime.helpers import instance, make_tv, next_event

pytestmark = pytest.mark.redis


@pytest.fixture
def instances(
    settings: Settings, app: FastAPI, clean: None
) -> Iterator[tuple[TestClient, TestClient]]:
    shared = {
        "redis_url": support.REDIS_URL,
        "redis_key_prefix": f"expotv-test-{support.run_id()}",
    }
    with instance(settings, **shared) as a, instance(settings, **shared) as b:
        b.portal.call(context_of(b.app).pubsub.wait_listening)
        yield a, b
        a.portal.call(context_of(a.app).cache.flush)


def set_ratios(client: TestClient, tv_id: int, headers: dict[str, str], n: int) -> None:
    response = client.put(
        f"/tvs/{tv_id}/proporcao",
        json={"proporcao_anuncios": n, "proporcao_avisos": 1, "proporcao_noticias": 1},
        headers=headers,
    )
    assert response.status_code == 200


async def test_a_change_on_one_instance_nudges_sockets_on_another(
    instances: tuple[TestClient, TestClient], factory: support.Factory, admin: User
) -> None:
    a, b = instances
    tv = await make_tv(factory)
    headers = await factory.headers(admin)

    with b.websocket_connect(f"/app/tv/{tv.code}/ws") as ws:
        hello = next_event(ws)
        set_ratios(a, tv.id, headers, 7)
        nudge = next_event(ws)

    assert nudge["evento"] == "conteudo_atualizado"
    assert nudge["versao"] != hello["versao"]
    assert b.get(f"/app/tv/{tv.code}/content").json()["versao"] == nudge["versao"]
    assert a.get(f"/app/tv/{tv.code}/content").json()["versao"] == nudge["versao"]


async def test_instances_share_the_cached_playlist_and_its_invalidation(
    instances: tuple[TestClient, TestClient], factory: support.Factory, admin: User
) -> None:
    a, b = instances
    tv = await make_tv(factory)
    headers = await factory.headers(admin)
    before = b.get(f"/app/tv/{tv.code}/content").json()["versao"]

    set_ratios(a, tv.id, headers, 9)

    after = b.get(f"/app/tv/{tv.code}/content")
    assert after.status_code == 200
    assert after.json()["versao"] != before
    assert after.json()["tv"]["proporcao_anuncios"] == 9
