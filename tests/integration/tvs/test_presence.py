""" "Is this TV online?": one rule, the same in SQL and in Python, and a status read
right after a ping says online on the instance pinged, and within a second on every
other one (pings are written in batches, and shared in batches)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from starlette.testclient import TestClient

from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.tvs.models import TV, TVStatus
from expotv.tvs.presence import NoPendingPings, Presence, online_since
from expotv.users.models import User
from tests import support
from tests.integration.realtime.helpers import instance, make_tv


async def test_the_rule_is_the_same_in_sql_and_in_python(
    app: FastAPI, factory: support.Factory, clean: None
) -> None:
    now = utcnow()
    since = online_since(now, 120)
    ages = [None, 0, 1, 119, 120, 121, 3600]
    tv = await make_tv(factory)
    rows = [tv]
    for n, age in enumerate(ages):
        rows.append(
            await factory.add(
                TV(
                    code=f"AGE{n:03d}",
                    name=f"TV {n}",
                    condominium_id=tv.condominium_id,
                    last_seen_at=None if age is None else now - timedelta(seconds=age),
                )
            )
        )
    # A pending ping makes an old TV online in both forms too.
    pending = {rows[-1].id: now}

    class Pending(NoPendingPings):
        async def seen_since(self, since: object) -> dict[int, object]:  # type: ignore[override]
            return dict(pending)

    presence = Presence(Pending(), offline_after_seconds=120)  # type: ignore[arg-type]
    async with context_of(app).sessionmaker() as session:
        in_sql = set(await session.scalars(select(TV.id).where(TV.seen_since(since))))
        online_sql = set(
            await session.scalars(
                select(TV.id).where(await presence.condition(TVStatus.ONLINE, now))
            )
        )
        offline_sql = set(
            await session.scalars(
                select(TV.id).where(await presence.condition(TVStatus.OFFLINE, now))
            )
        )

    in_python = {row.id for row in rows if row.seen_since(since)}
    online_python = {
        row.id
        for row in rows
        if presence.status(row, now, pending) is TVStatus.ONLINE  # type: ignore[arg-type]
    }
    assert in_sql == in_python
    # 0, 1, 119 and 120 seconds old are online; never, 121 and 3600 are not.
    assert len(in_python) == 4
    assert online_sql == online_python == in_python | {rows[-1].id}
    assert offline_sql == {row.id for row in rows} - online_sql


async def status_of(
    client: httpx.AsyncClient, tv_id: int, headers: dict[str, str]
) -> str:
    response = await client.get(f"/tvs/{tv_id}/status", headers=headers)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def test_a_status_read_right_after_a_ping_says_online(
    client: httpx.AsyncClient,
    app: FastAPI,
    factory: support.Factory,
    admin_headers: dict[str, str],
) -> None:
    tv = await make_tv(factory)
    assert await status_of(client, tv.id, admin_headers) == "offline"

    assert (await client.post(f"/app/tv/{tv.code}/ping")).status_code == 200

    # Not written yet (the writer flushes every couple of seconds)...
    async with context_of(app).sessionmaker() as session:
        stored = await session.get(TV, tv.id)
        assert stored is not None
        assert stored.last_seen_at is None
    # ...and every read counts it.
    status = (await client.get(f"/tvs/{tv.id}/status", headers=admin_headers)).json()
    assert status["status"] == "online"
    assert status["segundos_desde_ultimo_ping"] == 0
    assert (await client.get(f"/tvs/{tv.id}", headers=admin_headers)).json()[
        "status"
    ] == "online"
    online = await client.get("/tvs?status=online", headers=admin_headers)
    offline = await client.get("/tvs?status=offline", headers=admin_headers)
    assert [t["id"] for t in online.json()["items"]] == [tv.id]
    assert offline.json()["items"] == []
    condo = await client.get(f"/condominios/{tv.condominium_id}", headers=admin_headers)
    assert condo.json()["tvs"][0]["status"] == "online"


@pytest.fixture
def instances(
    settings: Settings, app: FastAPI, clean: None
) -> Iterator[tuple[TestClient, TestClient]]:
    shared = {
        "redis_url": support.REDIS_URL,
        "redis_key_prefix": f"expotv-test-{support.run_id()}",
        # Nothing is written during the test: every read relies on the pending
        # pings (the worst case of a batch not flushed yet).
        "heartbeat_flush_seconds": 3600,
    }
    with instance(settings, **shared) as a, instance(settings, **shared) as b:
        yield a, b
        a.portal.call(context_of(a.app).cache.flush)  # type: ignore[attr-defined]


@pytest.mark.redis
async def test_a_ping_on_one_instance_is_online_on_the_other(
    instances: tuple[TestClient, TestClient], factory: support.Factory, admin: User
) -> None:
    a, b = instances
    tv = await make_tv(factory)
    other = await make_tv(factory)
    headers = await factory.headers(admin)
    assert b.get(f"/tvs/{tv.id}/status", headers=headers).json()["status"] == "offline"

    assert a.post(f"/app/tv/{tv.code}/ping").status_code == 200
    # A sends its pings to the others in batches (every second; at once here).
    shared_pings = context_of(a.app).shared_pings  # type: ignore[arg-type]
    assert shared_pings is not None
    a.portal.call(shared_pings.flush)  # type: ignore[attr-defined]

    read = b.get(f"/tvs/{tv.id}/status", headers=headers).json()
    assert read["status"] == "online"
    assert read["ultimo_ping"] is not None
    online = b.get("/tvs?status=online", headers=headers).json()["items"]
    offline = b.get("/tvs?status=offline", headers=headers).json()["items"]
    assert [t["id"] for t in online] == [tv.id]
    assert [t["id"] for t in offline] == [other.id]

    # Once A writes its batch, the shared entry goes and the row says the same.
    heartbeats = context_of(a.app).heartbeats  # type: ignore[arg-type]
    assert heartbeats is not None
    assert a.portal.call(heartbeats.flush) == 1
    pending = b.portal.call(
        context_of(b.app).presence.pending,
        [tv],  # type: ignore[arg-type]
    )
    assert pending == {}
    assert b.get(f"/tvs/{tv.id}/status", headers=headers).json()["status"] == "online"


@pytest.mark.redis
async def test_the_other_instances_see_a_ping_within_the_sync_interval(
    settings: Settings, app: FastAPI, clean: None, factory: support.Factory, admin: User
) -> None:
    shared = {
        "redis_url": support.REDIS_URL,
        "redis_key_prefix": f"expotv-test-{support.run_id()}",
        "heartbeat_flush_seconds": 3600,
        "ping_sync_seconds": 0.2,
    }
    tv = await make_tv(factory)
    headers = await factory.headers(admin)
    with instance(settings, **shared) as a, instance(settings, **shared) as b:
        assert a.post(f"/app/tv/{tv.code}/ping").status_code == 200
        # No round trip in the ping: A sends it with its next batch.
        deadline = time.monotonic() + 5
        status = "offline"
        while status != "online" and time.monotonic() < deadline:
            time.sleep(0.05)
            status = b.get(f"/tvs/{tv.id}/status", headers=headers).json()["status"]
        assert status == "online"
        a.portal.call(context_of(a.app).cache.flush)  # type: ignore[attr-defined]
