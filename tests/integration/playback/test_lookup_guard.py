"""Every public TV-code lookup behind one guard (issue 14, "player page enumeration").

A client address guessing codes is blocked after ``tv_lookup_rate_per_minute``
unknown codes; from then on it gets 429 for every code it was not already playing,
on every surface (player page, content, ping, WebSocket), real or not, cached or
not, while the codes it was playing keep working for it.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from expotv.cache.pubsub import RedisPubSub
from expotv.cache.redis import RedisCache, RedisLink
from expotv.config import Settings
from expotv.context import context_of
from expotv.main import create_app
from expotv.tvs.models import TV
from tests import support
from tests.conftest import AppBuilder
from tests.cost import measured
from tests.integration.playback.conftest import Arrange, wait_up

LIMIT = 5
HOME = "10.20.0.1"  # the building: its lobby TV and a curious resident
ELSEWHERE = "10.30.0.1"


sql_statements = support.recorded_statements


async def guess_until_blocked(client: httpx.AsyncClient) -> httpx.Response:
    for n in range(LIMIT):
        assert (await client.get(f"/tv/Z{n:05d}")).status_code == 404
    refused = await client.get("/tv/ZZZZZZ")
    assert refused.status_code == 429
    return refused


async def test_the_player_page_is_rate_limited_and_refuses_in_portuguese(
    build_app: AppBuilder, arrange: Arrange
) -> None:
    """Guessing on ``/tv/{codigo}`` was free (357 guesses/s, 200 or 404)."""
    app = await build_app(tv_lookup_rate_per_minute=LIMIT)
    counted = refused("player")
    async with support.client_at(app, HOME) as resident:
        refusal = await guess_until_blocked(resident)
        assert 1 <= int(refusal.headers["retry-after"]) <= 60
        assert refusal.headers["content-type"].startswith("text/html")
        assert '<html lang="pt-BR">' in refusal.text
        assert "Muitas tentativas" in refusal.text
        assert "static/player.css" in refusal.text  # full screen, like the 404

        # Blocked: the guessing goes on without reaching the database, fast.
        with sql_statements(app) as statements, measured() as cost:
            for n in range(200):
                assert (await resident.get(f"/tv/Y{n:05d}")).status_code == 429
        assert statements == []
        # CPU time of this process (client and app): under 10 ms a refusal.
    assert cost.cpu_seconds < 2.0, cost
    assert refused("player") == counted + 201


async def test_a_blocked_address_cannot_tell_real_codes_from_unknown_ones(
    build_app: AppBuilder, arrange: Arrange
) -> None:
    app = await build_app(tv_lookup_rate_per_minute=LIMIT)
    condominium = await arrange.condominium()
    lobby, other = await arrange.tv(condominium), await arrange.tv(condominium)
    async with (
        support.client_at(app, HOME) as home,
        support.client_at(app, ELSEWHERE) as elsewhere,
    ):
        # The lobby TV plays from the building's address; the other TV's
        # playlist is cached by someone elsewhere.
        assert (await home.get(f"/app/tv/{lobby.code}/content")).status_code == 200
        assert (await elsewhere.get(f"/tv/{other.code}")).status_code == 200

        await guess_until_blocked(home)

        with sql_statements(app) as statements:
            for code in (other.code, other.code.lower(), "ZZZZZ2", "nope"):
                for method, path in [
                    ("GET", f"/tv/{code}"),
                    ("GET", f"/app/tv/{code}/content"),
                    ("POST", f"/app/tv/{code}/ping"),
                ]:
                    response = await home.request(method, path)
                    assert response.status_code == 429, (method, path)
                    assert int(response.headers["retry-after"]) >= 1
        # Refused before any query: the answer cannot depend on the database.
        assert statements == []
        # The lobby keeps playing, pinging and reloading its page...
        assert (await home.get(f"/app/tv/{lobby.code}/content")).status_code == 200
        assert (await home.post(f"/app/tv/{lobby.code}/ping")).status_code == 200
        assert (await home.get(f"/tv/{lobby.code}")).status_code == 200
        # ...even when its playlist changed meanwhile (a miss: the database).
        await context_of(app).playlists.invalidate([lobby.code])
        assert (await home.get(f"/app/tv/{lobby.code}/content")).status_code == 200
        # Other addresses are not affected.
        assert (await elsewhere.get(f"/app/tv/{other.code}/content")).status_code == (
            200
        )
    # The refused pings left nothing behind.
    await context_of(app).playlists.drain()
    heartbeats = context_of(app).heartbeats
    assert heartbeats is not None
    await heartbeats.flush()
    async with context_of(app).sessionmaker() as session:
        seen = await session.scalar(
            select(func.count()).select_from(TV).where(TV.last_seen_at.is_not(None))
        )
    assert seen == 1  # the lobby's own ping only


async def test_a_blocked_address_gets_its_sockets_closed_with_4429(
    settings: Settings, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    lobby, other = await arrange.tv(condominium), await arrange.tv(condominium)
    app = create_app(settings.model_copy(update={"tv_lookup_rate_per_minute": LIMIT}))
    home = {"x-test-client": HOME}

    with TestClient(support.FromAddress(app), headers=home) as server:
        assert server.get(f"/tv/{lobby.code}").status_code == 200
        for n in range(LIMIT):
            assert server.get(f"/app/tv/Z{n:05d}/content").status_code == 404
        assert server.get("/app/tv/ZZZZZZ/content").status_code == 429

        for code in (other.code, "ZZZZZ3"):
            with (
                server.websocket_connect(f"/app/tv/{code}/ws") as ws,
                pytest.raises(WebSocketDisconnect) as closed,
            ):
                ws.receive_json()
            assert closed.value.code == 4429
        with server.websocket_connect(f"/app/tv/{lobby.code}/ws") as ws:
            assert ws.receive_json()["evento"] == "conectado"


# Several instances ------------------------------------------------------------


async def test_already_playing_holds_across_instances_and_a_restart(
    shared: AppBuilder, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    lobby, other = await arrange.tv(condominium), await arrange.tv(condominium)
    a, b = (
        await shared(tv_lookup_rate_per_minute=LIMIT),
        await shared(tv_lookup_rate_per_minute=LIMIT),
    )
    async with support.client_at(a, HOME) as home_a:
        assert (await home_a.get(f"/app/tv/{lobby.code}/content")).status_code == 200
        await guess_until_blocked(home_a)

    async with (
        support.client_at(b, HOME) as home_b,
        support.client_at(b, ELSEWHERE) as elsewhere_b,
    ):
        # B never saw the building's address: it learns the block and the
        # lobby's code from the shared cache.
        assert (await elsewhere_b.get(f"/tv/{other.code}")).status_code == 200
        assert (await home_b.get(f"/app/tv/{other.code}/content")).status_code == 429
        assert (await home_b.get("/app/tv/ZZZZZ4/content")).status_code == 429
        assert (await home_b.post(f"/app/tv/{lobby.code}/ping")).status_code == 200

    # A third instance started now (or B restarted) knows the same.
    c = await shared(tv_lookup_rate_per_minute=LIMIT)
    async with support.client_at(c, HOME) as home_c:
        assert (await home_c.get(f"/tv/{other.code}")).status_code == 429
        assert (await home_c.get(f"/tv/{lobby.code}")).status_code == 200


def refused(surface: str, reason: str = "tv_lookup_rate_limited") -> float:
    value = support.sample_value(
        "expotv_refused_total", {"surface": surface, "reason": reason}
    )
    return value or 0.0


def _commands(link: RedisLink) -> Any:
    async def read() -> dict[str, int]:
        stats: dict[str, Any] = await link.client.info("commandstats")
        return {
            name.removeprefix("cmdstat_"): int(value["calls"])
            for name, value in stats.items()
        }

    return read


async def test_a_cached_lookup_costs_no_round_trip_while_the_channel_is_up(
    shared: AppBuilder, arrange: Arrange
) -> None:
    """A TV's repeated requests are answered from this process's checked copy and
    the playing mark it saw: no Redis command at all. With the invalidation
    channel lost, each reads the playlist's head and the guard's keys (one MGET)."""
    tv = await arrange.tv(await arrange.condominium())
    # The widest trust window allowed: a loaded machine can hold the channel's
    # keep-alive (every 0.25 s) past the default second, and a hit then reads the
    # head, by design; what is tested is that it does not while the channel is up.
    app = await shared(tv_lookup_rate_per_minute=LIMIT, tv_content_trust_seconds=1.5)
    cache, pubsub = context_of(app).cache, context_of(app).pubsub
    assert isinstance(cache, RedisCache)
    assert isinstance(pubsub, RedisPubSub)
    await wait_up(pubsub)
    commands = _commands(cache.link)

    async def spent_on(requests: int) -> dict[str, int]:
        before = await commands()
        started = time.monotonic()
        for _ in range(requests):
            response = await home.get(
                f"/app/tv/{tv.code}/content",
                headers={"If-None-Match": first.headers["etag"]},
            )
            assert response.status_code == 304
        elapsed = time.monotonic() - started
        after = await commands()
        spent = {name: after[name] - before.get(name, 0) for name in after}
        # The invalidation channel's keep-alive PING (every 0.25 s while idle,
        # whatever the TVs do) is not the requests': on a loaded machine the 20
        # can take long enough for a few, never one per request.
        assert spent.pop("ping", 0) <= elapsed / 0.25 + 1 < requests
        return {name: calls for name, calls in spent.items() if calls}

    async with support.client_at(app, HOME) as home:
        first = await home.get(f"/app/tv/{tv.code}/content")
        assert first.status_code == 200
        await context_of(app).playlists.drain()

        # INFO's own call only.
        assert await spent_on(20) == {"info": 1}

        await pubsub.close()
        # One MGET per request (the playlist's head, its negative entry, the
        # address's block and playing mark together), and INFO's own call.
        assert await spent_on(20) == {"mget": 20, "info": 1}
