"""Playlists that change by themselves: windows, starts and expiries, in time.

With a fake clock (``now`` passed in, the service's clock swapped): the served
versao changes at the edge, ``valido_ate`` is the next edge, and a watched TV hears
of each change once. With the real clock, a start and an expiry a second or two
ahead reach a connected socket through the playlist-edges job.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from starlette.testclient import TestClient

from expotv.ads.models import Ad
from expotv.cache import MemoryCache
from expotv.cache.redis import RedisCache
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.playlist.edges import RedisEdges
from expotv.playlist.service import PlaylistService
from expotv.windows import Window
from tests import support
from tests.integration.playback.conftest import Arrange, StatementLog, content
from tests.integration.realtime.helpers import instance, next_event

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
# Monday 2026-12-07, 18:00 in São Paulo.
MONDAY_1800 = datetime(2026, 12, 7, 18, 0, tzinfo=SAO_PAULO).astimezone(UTC)
DINNER = (Window(days=frozenset({1, 2, 3, 4, 5}), start=19 * 60, end=22 * 60),)


def at(hour: int, minute: int = 0, day: int = 7) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SAO_PAULO).astimezone(UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_1800)


@pytest.fixture
async def playlists(app: FastAPI, clock: Clock) -> AsyncIterator[PlaylistService]:
    service = PlaylistService(
        sessionmaker=context_of(app).sessionmaker,
        cache=MemoryCache(),
        settings=context_of(app).settings,
        clock=clock,
    )
    # Its copies trusted with no round trip and no end (a channel up for ever):
    # edges must flip by the entry's own expiry.
    service.trust_while(lambda _heard_within: float("-inf"))
    yield service
    await service.drain()
    await service.close()


class Nudges:
    """What a watched TV's sockets would be told: ``(code, versao)`` each time."""

    def __init__(self, service: PlaylistService) -> None:
        self.heard: list[tuple[str, str]] = []
        service.watched.on_version_changed.append(self.record)

    async def record(self, code: str, version: str) -> None:
        self.heard.append((code, version))


def body_of(served: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(served.entry.body)
    return body


def ad_ids(body: dict[str, Any]) -> list[int]:
    """The anúncios of a loop, each once, in order of first play."""
    ids = [item["id"] for item in body["itens"] if item["tipo"] == "anuncio"]
    return list(dict.fromkeys(ids))


async def test_a_window_edge_changes_the_served_version_at_the_edge(
    playlists: PlaylistService, arrange: Arrange, clock: Clock
) -> None:
    condominium = await arrange.condominium(timezone="America/Sao_Paulo")
    tv = await arrange.tv(condominium)
    always = await arrange.ad(condominium)
    pizza = await arrange.ad(condominium, windows=DINNER)

    first = body_of(await playlists.get(tv.code, client="t", now=clock()))
    assert ad_ids(first) == [always.id]
    assert first["modo"] == "normal"
    assert first["valido_ate"] == "2026-12-07T19:00:00-03:00"

    # A second before, the cached playlist still answers.
    just_before = at(18, 59) + timedelta(seconds=59)
    same = await playlists.get(tv.code, client="t", now=just_before)
    assert same.entry.version == first["versao"]

    # At the edge a TV polling gets the new playlist (its cache entry ended).
    opened = body_of(await playlists.get(tv.code, client="t", now=at(19)))
    assert sorted(ad_ids(opened)) == sorted([always.id, pizza.id])
    assert opened["versao"] != first["versao"]
    assert opened["valido_ate"] == "2026-12-07T22:00:00-03:00"

    closed = body_of(await playlists.get(tv.code, client="t", now=at(22)))
    assert closed["versao"] == first["versao"]
    # Friday 22:00 closes it until Monday 19:00.
    friday = body_of(await playlists.get(tv.code, client="t", now=at(22, day=11)))
    assert friday["valido_ate"] == "2026-12-14T19:00:00-03:00"


async def test_connected_tvs_hear_of_each_edge_once(
    playlists: PlaylistService, arrange: Arrange, clock: Clock
) -> None:
    condominium = await arrange.condominium(timezone="America/Sao_Paulo")
    tv = await arrange.tv(condominium)
    await arrange.ad(condominium)
    await arrange.ad(condominium, windows=DINNER)
    nudges = Nudges(playlists)
    playlists.watch(tv.code)
    hello = await playlists.version(tv.code, client="t", now=clock())

    # Nothing is due before the edge.
    clock.now = at(18, 59)
    assert await playlists.pass_edges(clock.now) == 0
    await playlists.drain()
    assert nudges.heard == []

    clock.now = at(19)
    assert await playlists.pass_edges(clock.now) == 1
    await playlists.drain()
    opened = await playlists.version(tv.code, client="t", now=clock.now)
    assert opened != hello
    assert nudges.heard == [(tv.code, opened)]

    # The job again, and a TV polling at the edge: no second nudge.
    assert await playlists.pass_edges(clock.now) == 0
    await playlists.get(tv.code, client="t", now=clock.now)
    await playlists.drain()
    assert nudges.heard == [(tv.code, opened)]

    # Closing at 22:00 is the next change, told once as well. Here a TV polling
    # first (the entry went stale at the edge) rebuilds it, which nudges, and
    # records the next edge in place of this one: the job finds nothing left.
    clock.now = at(22)
    closed = await playlists.get(tv.code, client="t", now=clock.now)
    assert await playlists.pass_edges(clock.now) == 0
    await playlists.drain()
    assert closed.entry.version == hello
    assert nudges.heard == [(tv.code, opened), (tv.code, hello)]
    assert body_of(closed)["valido_ate"] == "2026-12-08T19:00:00-03:00"


async def test_a_start_and_an_expiry_are_edges_and_an_idle_tv_costs_nothing(
    playlists: PlaylistService, arrange: Arrange, clock: Clock
) -> None:
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    idle = await arrange.tv(condominium)
    starts, ends = at(18, 30), at(20)
    promo = await arrange.ad(condominium, starts_at=starts, expires_at=ends)
    nudges = Nudges(playlists)
    playlists.watch(tv.code)

    before = body_of(await playlists.get(tv.code, client="t", now=clock()))
    await playlists.get(idle.code, client="t", now=clock())
    assert ad_ids(before) == []
    assert datetime.fromisoformat(before["valido_ate"]) == starts

    clock.now = starts
    # Both TVs were built: both edges are due; only the watched one is rebuilt.
    assert await playlists.pass_edges(clock.now) == 2
    await playlists.drain()
    started = await playlists.get(tv.code, client="t", now=clock.now)
    assert ad_ids(body_of(started)) == [promo.id]
    assert datetime.fromisoformat(body_of(started)["valido_ate"]) == ends
    assert nudges.heard == [(tv.code, started.entry.version)]

    clock.now = ends
    assert await playlists.pass_edges(clock.now) == 1
    await playlists.drain()
    assert nudges.heard[-1] == (tv.code, before["versao"])
    assert len(nudges.heard) == 2


async def test_the_cache_hit_path_stays_free_of_sql_with_a_schedule(
    client: Any, arrange: Arrange, statements: StatementLog
) -> None:
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    await arrange.ad(
        condominium, windows=DINNER, starts_at=utcnow() + timedelta(days=3)
    )
    first = await content(client, tv.code)
    assert first.json()["valido_ate"] is not None

    statements.clear()
    again = await content(client, tv.code)
    assert again.content == first.content
    assert statements.statements == []


@pytest.fixture
async def shared_cache() -> AsyncIterator[RedisCache]:
    cache = RedisCache.from_url(
        support.REDIS_URL, prefix=f"expotv-test-{support.run_id()}"
    )
    yield cache
    await cache.flush()
    await cache.close()


@pytest.mark.redis
async def test_one_leader_passes_every_instances_edges_through_redis(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache, clock: Clock
) -> None:
    def service() -> PlaylistService:
        return PlaylistService(
            sessionmaker=context_of(app).sessionmaker,
            cache=shared_cache,
            settings=context_of(app).settings,
            clock=clock,
            edges=RedisEdges(shared_cache.link),
        )

    a, b = service(), service()
    condominium = await arrange.condominium(timezone="America/Sao_Paulo")
    tv = await arrange.tv(condominium)
    await arrange.ad(condominium, windows=DINNER)
    built = await a.get(tv.code, client="t", now=clock())

    clock.now = at(19)
    # B built nothing; the shared schedule has A's edge. Popped once.
    assert await b.pass_edges(clock.now) == 1
    assert await a.pass_edges(clock.now) == 0
    # B's invalidation dropped the shared entry: A rebuilds.
    rebuilt = await a.get(tv.code, client="t", now=clock.now)
    assert rebuilt.entry.version != built.entry.version
    for playlists in (a, b):
        await playlists.drain()
        await playlists.close()


# With the real clock, through the app and a socket --------------------------


@pytest.fixture
def edge_server(settings: Settings, app: FastAPI, clean: None) -> Iterator[TestClient]:
    """An instance that runs its jobs, the edges every 0.2 s."""
    with instance(
        settings, run_jobs=True, playlist_edge_interval_seconds=0.2
    ) as client:
        yield client


async def test_a_start_and_an_expiry_reach_a_connected_tv_within_seconds(
    edge_server: TestClient, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    now = utcnow()
    promo = await arrange.ad(
        condominium,
        starts_at=now + timedelta(seconds=1.5),
        expires_at=now + timedelta(seconds=3),
    )

    with edge_server.websocket_connect(f"/app/tv/{tv.code}/ws") as ws:
        hello = next_event(ws)
        started = next_event(ws)
        ended = next_event(ws)
        # Nothing more: one nudge per change.
        extra = [ws.receive_json() for _ in range(5)]

    assert started["evento"] == ended["evento"] == "conteudo_atualizado"
    assert started["versao"] != hello["versao"]
    assert ended["versao"] == hello["versao"]
    assert extra == [{"evento": "ping"}] * 5
    body = edge_server.get(f"/app/tv/{tv.code}/content").json()
    assert promo.id not in [item["id"] for item in body["itens"]]
    assert utcnow() - now < timedelta(seconds=6)


async def test_a_tv_restricted_item_plays_only_there(
    client: Any, arrange: Arrange, app: FastAPI
) -> None:
    condominium = await arrange.condominium()
    elevator, lobby = await arrange.tv(condominium), await arrange.tv(condominium)
    ad = await arrange.ad(condominium)
    async with context_of(app).sessionmaker() as session:
        await session.execute(insert(Ad.tv_link).values(ad_id=ad.id, tv_id=elevator.id))
        await session.commit()

    def ids(response: Any) -> list[int]:
        return ad_ids(response.json())

    assert ids(await content(client, elevator.code)) == [ad.id]
    assert ids(await content(client, lobby.code)) == []
