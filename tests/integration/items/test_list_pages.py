"""The kept list pages (``items.pages``): a page answered again costs no SQL, and
what it shows is never older than the last write (on this instance at once, on
another one through Redis) nor than the next start or expiry."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.deps import request_time
from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV
from tests import support
from tests.integration.items.helpers import KindCase, World, png_file, set_columns
from tests.integration.observability.test_logging import access_entries
from tests.integration.realtime.helpers import instance
from tests.integration.redis.conftest import redis_server
from tests.integration.redis.server import RedisServer

__all__ = ["redis_server"]


def _at(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


async def listed(
    client: httpx.AsyncClient, kind: KindCase, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get(kind.path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def names(page: dict[str, Any]) -> list[str]:
    return [item["nome"] for item in page["items"]]


async def test_a_page_asked_again_costs_no_sql_and_is_the_same(
    app: FastAPI, client: httpx.AsyncClient, kind: KindCase, world: World
) -> None:
    await kind.post(client, world.a_headers, [world.condo_a.id])
    first = await client.get(kind.path, headers=world.a_headers)
    with support.recorded_statements(app) as seen:
        again = await client.get(kind.path, headers=world.a_headers)
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert seen == []


async def test_creates_changes_and_deletes_are_read_back_at_once(
    client: httpx.AsyncClient, kind: KindCase, world: World
) -> None:
    assert (await listed(client, kind, world.a_headers))["total"] == 0
    created = await kind.post(client, world.a_headers, [world.condo_a.id], nome="Um")
    page = await listed(client, kind, world.a_headers)
    assert (names(page), page["total"]) == (["Um"], 1)

    item = f"{kind.path}/{created['id']}"
    changed = await client.put(item, json={"nome": "Dois"}, headers=world.a_headers)
    assert changed.status_code == 200, changed.text
    assert names(await listed(client, kind, world.a_headers)) == ["Dois"]
    # Another reader's page of the same kind too.
    assert names(await listed(client, kind, world.viewer_headers)) == ["Dois"]

    assert (await client.delete(item, headers=world.a_headers)).status_code == 204
    assert (await listed(client, kind, world.a_headers))["items"] == []


async def test_a_write_behind_the_api_retires_the_page(
    client: httpx.AsyncClient, factory: support.Factory, kind: KindCase, world: World
) -> None:
    created = await kind.post(client, world.a_headers, [world.condo_a.id])
    await listed(client, kind, world.a_headers)
    await set_columns(factory, kind.model, created["id"], name="Por fora")
    assert names(await listed(client, kind, world.a_headers)) == ["Por fora"]


async def test_who_sees_what_follows_a_condominium_changing_hands(
    client: httpx.AsyncClient, factory: support.Factory, kind: KindCase, world: World
) -> None:
    await kind.post(client, world.a_headers, [world.condo_a.id], nome="De A")
    assert (await listed(client, kind, world.b_headers))["total"] == 0
    await set_columns(factory, Condominium, world.condo_a.id, manager_id=None)
    await set_columns(
        factory, Condominium, world.condo_a.id, manager_id=world.manager_b.id
    )
    assert names(await listed(client, kind, world.b_headers)) == ["De A"]
    assert (await listed(client, kind, world.a_headers))["total"] == 0


async def test_a_tv_moved_away_leaves_the_tvs_shown(
    client: httpx.AsyncClient, factory: support.Factory, kind: KindCase, world: World
) -> None:
    tv: TV = await factory.add(
        TV(code=generate_code(), name="Portaria", condominium_id=world.condo_a.id)
    )
    await kind.post(client, world.a_headers, [world.condo_a.id], tvs_ids=[str(tv.id)])
    assert (await listed(client, kind, world.a_headers))["items"][0]["tvs_ids"] == [
        tv.id
    ]
    await set_columns(factory, TV, tv.id, condominium_id=world.condo_b.id)
    assert (await listed(client, kind, world.a_headers))["items"][0]["tvs_ids"] == []


async def test_heartbeats_and_quota_locks_keep_the_pages(
    app: FastAPI, client: httpx.AsyncClient, factory: support.Factory, kind: KindCase,
    world: World,
) -> None:  # fmt: skip
    tv: TV = await factory.add(
        TV(code=generate_code(), name="Portaria", condominium_id=world.condo_a.id)
    )
    await kind.post(client, world.a_headers, [world.condo_a.id])
    await listed(client, kind, world.a_headers)
    await set_columns(factory, TV, tv.id, last_seen_at=datetime.now(UTC))
    await set_columns(factory, type(world.manager_a), world.manager_a.id, name="Outro")
    with support.recorded_statements(app) as seen:
        await listed(client, kind, world.a_headers)
    assert seen == []


@pytest.fixture
def later(app: FastAPI) -> Iterator[list[datetime]]:
    """Set ``later[0]`` to move the routes' clock (``RequestTime``)."""
    moment: list[datetime] = []
    app.dependency_overrides[request_time] = lambda: moment[0] if moment else utcnow()
    yield moment
    app.dependency_overrides.pop(request_time, None)


async def test_a_status_turns_at_its_moment_with_no_write(
    client: httpx.AsyncClient, kind: KindCase, world: World, later: list[datetime]
) -> None:
    await kind.post(
        client, world.a_headers, [world.condo_a.id], nome="Curto",
        data_expiracao=_at(1).isoformat(),
    )  # fmt: skip
    await kind.post(
        client, world.a_headers, [world.condo_a.id], nome="Depois",
        data_inicio=_at(3).isoformat(),
    )  # fmt: skip

    def statuses(page: dict[str, Any]) -> list[str]:
        return [item["status"] for item in page["items"]]

    active = {"status": "ativo"}
    assert statuses(await listed(client, kind, world.a_headers)) == [
        "ativo",
        "agendado",
    ]
    assert names(await listed(client, kind, world.a_headers, **active)) == ["Curto"]

    later.append(_at(2))
    assert statuses(await listed(client, kind, world.a_headers)) == [
        "expirado",
        "agendado",
    ]
    assert (await listed(client, kind, world.a_headers, **active))["total"] == 0

    later[0] = _at(4)
    assert names(await listed(client, kind, world.a_headers, **active)) == ["Depois"]


async def test_filters_and_pages_are_kept_apart(
    client: httpx.AsyncClient, kind: KindCase, world: World
) -> None:
    for name in ("Alfa", "Beta", "Gama"):
        await kind.post(client, world.a_headers, [world.condo_a.id], nome=name)
    await kind.post(client, world.a_headers, [world.condo_a2.id], nome="Outro")
    assert names(await listed(client, kind, world.a_headers, limit=2)) == [
        "Alfa",
        "Beta",
    ]
    assert names(await listed(client, kind, world.a_headers, limit=2, offset=2)) == [
        "Gama",
        "Outro",
    ]
    assert names(await listed(client, kind, world.a_headers, q="et")) == ["Beta"]
    assert names(
        await listed(client, kind, world.a_headers, condominio_id=world.condo_a2.id)
    ) == ["Outro"]
    assert (await listed(client, kind, world.b_headers))["total"] == 0


# Several instances and Redis -----------------------------------------------------


def _list(client: TestClient, kind: KindCase, headers: dict[str, str]) -> list[str]:
    response = client.get(kind.path, headers=headers)
    assert response.status_code == 200, response.text
    return names(response.json())


def _until(check: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return bool(check())


@pytest.mark.redis
async def test_a_write_on_one_instance_reaches_another_sharing_redis(
    settings: Settings, app: FastAPI, clean: None, kind: KindCase, world: World
) -> None:
    shared = {
        "redis_url": support.REDIS_URL,
        "redis_key_prefix": f"expotv-test-{support.run_id()}",
    }
    with instance(settings, **shared) as one, instance(settings, **shared) as other:
        assert _list(one, kind, world.a_headers) == []
        assert _list(other, kind, world.a_headers) == []
        name, value = kind.own_field
        created = one.post(
            kind.path,
            data={
                "nome": "Novo",
                "condominios_ids": [str(world.condo_a.id)],
                name: value,
            },
            files=png_file(),
            headers=world.a_headers,
        )
        assert created.status_code == 201, created.text
        assert _list(one, kind, world.a_headers) == ["Novo"]
        assert _until(lambda: _list(other, kind, world.a_headers) == ["Novo"])


@pytest.mark.redis
async def test_lists_stay_right_while_redis_is_down_and_after(
    settings: Settings, app: FastAPI, clean: None, redis_server: RedisServer,
    kind: KindCase, world: World,
) -> None:  # fmt: skip
    with instance(
        settings,
        redis_url=redis_server.url,
        redis_key_prefix=f"expotv-test-{support.run_id()}",
    ) as client:
        context_of(client.app).cache.link.recheck_seconds = 0
        name, value = kind.own_field

        def create(nome: str) -> None:
            response = client.post(
                kind.path,
                data={
                    "nome": nome,
                    "condominios_ids": [str(world.condo_a.id)],
                    name: value,
                },
                files=png_file(),
                headers=world.a_headers,
            )
            assert response.status_code == 201, response.text

        create("Antes")
        assert _list(client, kind, world.a_headers) == ["Antes"]
        redis_server.stop()
        assert _list(client, kind, world.a_headers) == ["Antes"]
        create("Durante")
        assert _list(client, kind, world.a_headers) == ["Antes", "Durante"]
        redis_server.start()
        create("Depois")
        assert _list(client, kind, world.a_headers) == ["Antes", "Durante", "Depois"]


# The fast path (``items.fastpath``) ----------------------------------------------


def _same_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k != "x-request-id"}


async def test_a_kept_page_is_answered_as_the_route_answers_it(
    client: httpx.AsyncClient, kind: KindCase, world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    await kind.post(client, world.a_headers, [world.condo_a.id])
    url = f"{kind.path}?limit=7&status=ativo"
    built = await client.get(url, headers=world.a_headers)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        kept = await client.get(url, headers=world.a_headers)
    assert (kept.status_code, kept.content) == (200, built.content)
    assert _same_headers(kept) == _same_headers(built)
    [entry] = access_entries(caplog)
    assert (entry["route"], entry["user_id"]) == (kind.path, world.manager_a.id)


async def test_what_the_route_refuses_is_still_refused_after_a_page_is_kept(
    client: httpx.AsyncClient, kind: KindCase, world: World
) -> None:
    await listed(client, kind, world.a_headers)
    await listed(client, kind, world.a_headers)
    for query in ("limit=0", "limit=201", "offset=-1", "status=nada", "limit=x"):
        response = await client.get(f"{kind.path}?{query}", headers=world.a_headers)
        assert response.status_code == 422, query
    assert (await client.get(kind.path)).status_code == 401
    bad = {"Authorization": world.a_headers["Authorization"] + "x"}
    assert (await client.get(kind.path, headers=bad)).status_code == 401


async def test_a_deactivated_user_is_refused_though_its_page_was_kept(
    client: httpx.AsyncClient, kind: KindCase, world: World
) -> None:
    await listed(client, kind, world.a_headers)
    await listed(client, kind, world.a_headers)
    changed = await client.put(
        f"/usuarios/{world.manager_a.id}",
        json={"ativo": False},
        headers=world.admin_headers,
    )
    assert changed.status_code == 200, changed.text
    assert (await client.get(kind.path, headers=world.a_headers)).status_code == 401
