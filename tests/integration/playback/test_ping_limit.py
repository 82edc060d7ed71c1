"""Pings per TV code (issue 14: "ping: no rate per code"), counted in memory and
reconciled between instances through Redis in the background (issue 15)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from expotv.cache.redis import RedisLink
from expotv.context import context_of
from expotv.tvs.exceptions import TVPingRateLimited
from expotv.tvs.models import TV
from expotv.tvs.ping_limit import PingLimit
from tests import support
from tests.conftest import AppBuilder
from tests.cost import measured
from tests.integration.playback.conftest import Arrange
from tests.integration.playback.proxy import Mode, TcpProxy
from tests.integration.redis.server import RedisServer

LIMIT = 4
# The background sync is left out of the way: the tests sync when they mean to.
MANUAL = {"ping_sync_seconds": 30}


def refused_pings() -> float:
    value = support.sample_value(
        "expotv_refused_total",
        {"surface": "ping", "reason": "tv_ping_rate_limited"},
    )
    return value or 0.0


def limit_of(app: FastAPI) -> PingLimit:
    limit = context_of(app).ping_limit
    assert limit is not None
    return limit


def commands_of(link: RedisLink) -> Callable[[], Awaitable[dict[str, int]]]:
    async def read() -> dict[str, int]:
        stats = await link.client.info("commandstats")
        return {
            name.removeprefix("cmdstat_"): int(value["calls"])
            for name, value in stats.items()
        }

    return read


async def test_pings_of_one_code_past_the_limit_are_429_and_record_nothing(
    shared: AppBuilder, arrange: Arrange
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    # Two instances: the count is the code's, whichever instance is pinged.
    a = await shared(ping_max_per_code_per_minute=LIMIT, **MANUAL)
    b = await shared(ping_max_per_code_per_minute=LIMIT, **MANUAL)
    counted = refused_pings()
    async with (
        support.client_at(a, "10.40.0.1") as tv_a,
        support.client_at(b, "10.40.0.2") as tv_b,
    ):
        for client in (tv_a, tv_b, tv_a, tv_b):
            assert (await client.post(f"/app/tv/{tv.code}/ping")).status_code == 200
        # Each instance tells Redis what it counted and learns the other's count.
        for instance in (a, b, a):
            await limit_of(instance).sync()
        for heartbeats in (context_of(a).heartbeats, context_of(b).heartbeats):
            assert heartbeats is not None
            await heartbeats.flush()

        with measured() as cost:
            for n in range(100):
                response = await (tv_a, tv_b)[n % 2].post(
                    f"/app/tv/{tv.code}/ping", json={"app_versao": "flood"}
                )
                assert response.status_code == 429
                assert response.json()["code"] == "tv_ping_rate_limited"
                assert 1 <= int(response.headers["retry-after"]) <= 60

    # CPU time of this process (clients and both apps): under 20 ms a refusal.
    assert cost.cpu_seconds < 2.0, cost
    assert refused_pings() == counted + 100
    for instance in (a, b):
        heartbeats = context_of(instance).heartbeats
        assert heartbeats is not None
        assert heartbeats.pending == 0
    async with context_of(a).sessionmaker() as session:
        app_version = await session.scalar(select(TV.app_version).where(TV.id == tv.id))
    assert app_version != "flood"


async def test_across_instances_the_cap_is_passed_by_one_sync_interval_at_most(
    shared: AppBuilder, arrange: Arrange
) -> None:
    """What the docstring promises: between two syncs an instance does not know
    the others' new pings, so a flood over two instances gets the cap once per
    instance in the first interval; after a sync, nothing more anywhere."""
    tv = await arrange.tv(await arrange.condominium())
    a = await shared(ping_max_per_code_per_minute=LIMIT, **MANUAL)
    b = await shared(ping_max_per_code_per_minute=LIMIT, **MANUAL)
    async with (
        support.client_at(a, "10.40.1.1") as tv_a,
        support.client_at(b, "10.40.1.2") as tv_b,
    ):

        async def flood(client: httpx.AsyncClient) -> list[int]:
            path = f"/app/tv/{tv.code}/ping"
            return [(await client.post(path)).status_code for _ in range(LIMIT + 2)]

        first_a, first_b = await flood(tv_a), await flood(tv_b)
        assert first_a == first_b == [200] * LIMIT + [429] * 2
        await limit_of(a).sync()
        await limit_of(b).sync()
        await limit_of(a).sync()
        assert await flood(tv_a) == await flood(tv_b) == [429] * (LIMIT + 2)


async def test_the_others_count_is_kept_only_from_half_the_cap(
    shared: AppBuilder, arrange: Arrange
) -> None:
    """The memory promise: a TV far from the cap, pinging every worker, leaves no
    count of the others in any of them; from half the cap on, it does, and the
    cap holds over both."""
    tv = await arrange.tv(await arrange.condominium())
    wide = {"ping_max_per_code_per_minute": 12, **MANUAL}
    a, b = await shared(**wide), await shared(**wide)
    path = f"/app/tv/{tv.code}/ping"
    async with (
        support.client_at(a, "10.40.5.1") as tv_a,
        support.client_at(b, "10.40.5.2") as tv_b,
    ):
        for client in (tv_a, tv_b):
            assert (await client.post(path)).status_code == 200
        for app in (a, b, a):
            await limit_of(app).sync()
        assert limit_of(a)._remote == limit_of(b)._remote == {}

        for _ in range(5):
            assert (await tv_b.post(path)).status_code == 200
        await limit_of(b).sync()
        assert (await tv_a.post(path)).status_code == 200
        await limit_of(a).sync()
        # 8 over both (6 of them B's): A keeps B's count now, and holds the cap.
        assert limit_of(a)._remote[tv.code][0] == 6
        statuses = [(await tv_a.post(path)).status_code for _ in range(5)]
        assert statuses == [200] * 4 + [429]


async def test_instances_sync_on_their_own_every_interval(
    shared: AppBuilder, arrange: Arrange
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    quick = {"ping_max_per_code_per_minute": LIMIT, "ping_sync_seconds": 0.1}
    a, b = await shared(**quick), await shared(**quick)
    async with (
        support.client_at(a, "10.40.3.1") as tv_a,
        support.client_at(b, "10.40.3.2") as tv_b,
    ):
        for client in (tv_a, tv_b, tv_a):
            assert (await client.post(f"/app/tv/{tv.code}/ping")).status_code == 200
        deadline = time.monotonic() + 5
        status = 200
        while status == 200 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            # B has 1 of its own; it refuses once it knows A's 2 (and this one).
            status = (await tv_b.post(f"/app/tv/{tv.code}/ping")).status_code
        assert status == 429
        # A learns B's count at its next sync at the latest.
        await asyncio.sleep(0.5)
        assert (await tv_a.post(f"/app/tv/{tv.code}/ping")).status_code == 429


async def test_a_ping_costs_no_redis_command_and_a_sync_costs_one(
    shared: AppBuilder, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    tvs = [await arrange.tv(condominium) for _ in range(5)]
    app = await shared(ping_max_per_code_per_minute=LIMIT, **MANUAL)
    link = context_of(app).cache.link  # type: ignore[attr-defined]
    commands = commands_of(link)
    async with support.client_at(app, "10.40.2.1") as client:
        for tv in tvs:  # each TV's playlist built and its presence shared once
            assert (await client.post(f"/app/tv/{tv.code}/ping")).status_code == 200
        await limit_of(app).sync()
        shared_pings = context_of(app).shared_pings
        assert shared_pings is not None
        await shared_pings.flush()

        before = await commands()
        for _ in range(3):
            for tv in tvs:
                response = await client.post(f"/app/tv/{tv.code}/ping")
                assert response.status_code == 200
        during = await commands()
        await limit_of(app).sync()
        after_sync = await commands()

    spent = {k: v - before.get(k, 0) for k, v in during.items()}
    # ``info`` itself is the only command between the two reads, but for the
    # invalidation channel's keep-alive PING (every 0.25 s while idle, whatever the
    # TVs do: at most a couple here, never one per ping of the 15).
    assert spent.pop("ping", 0) <= 2
    assert {k: v for k, v in spent.items() if v} == {"info": 1}
    synced = {k: v - during.get(k, 0) for k, v in after_sync.items()}
    assert synced.get("evalsha") == 1
    # Inside the one script: a ZADD per ping, a trim and a count per code.
    assert synced.get("zadd") == 15
    assert synced.get("zcard") == 5


async def test_another_tv_is_not_held_back_by_a_flooded_one(
    build_app: AppBuilder, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    flooded, other = await arrange.tv(condominium), await arrange.tv(condominium)
    app = await build_app(ping_max_per_code_per_minute=2)
    async with support.client_at(app, "10.41.0.1") as client:
        statuses = [
            (await client.post(f"/app/tv/{flooded.code}/ping")).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        assert (await client.post(f"/app/tv/{other.code}/ping")).status_code == 200


def test_the_window_moves_and_retry_after_says_when() -> None:
    now = [1000.0]
    limit = PingLimit(per_minute=3, clock=lambda: now[0])
    for at in (1000.0, 1010.0, 1020.0):
        now[0] = at
        limit.hit("ABC234")
    now[0] = 1030.0
    with pytest.raises(TVPingRateLimited) as refused:
        limit.hit("ABC234")
    # The oldest (1000) leaves the window at 1060.
    assert refused.value.headers == {"Retry-After": "30"}
    now[0] = 1060.5
    limit.hit("ABC234")
    with pytest.raises(TVPingRateLimited):
        limit.hit("ABC234")
    limit.hit("XYZ789")


def test_a_limit_of_zero_counts_nothing() -> None:
    limit = PingLimit(per_minute=0)
    for _ in range(100):
        limit.hit("ABC234")
    assert not limit.is_enabled


# Redis failing under the sync -------------------------------------------------


@pytest.fixture
async def proxy(redis_server: RedisServer) -> AsyncIterator[TcpProxy]:
    breakable = TcpProxy("127.0.0.1", redis_server.port, delay_seconds=2.0)
    await breakable.start()
    yield breakable
    await breakable.close()


@pytest.mark.parametrize("mode", [Mode.REFUSE, Mode.RESET, Mode.BLACKHOLE, Mode.SLOW])
async def test_redis_failing_leaves_pings_answered_and_counted_locally(
    mode: Mode,
    proxy: TcpProxy,
    redis_server: RedisServer,
    build_app: AppBuilder,
    arrange: Arrange,
) -> None:
    """Refused, reset, black-holed or slow: pings are answered at once (the sync
    is in the background and bounded by the link's timeout), the cap holds on
    this instance's own count, and what was counted reaches Redis once it is
    back."""
    condominium = await arrange.condominium()
    tv, other = await arrange.tv(condominium), await arrange.tv(condominium)
    app = await build_app(
        redis_url=f"redis://127.0.0.1:{proxy.port}/0",
        redis_key_prefix=f"expotv-faults-{support.run_id()}",
        ping_max_per_code_per_minute=LIMIT,
        **MANUAL,
    )
    limit = limit_of(app)
    async with support.client_at(app, "10.42.0.1") as client:
        # Both playlists cached while Redis answers.
        for code in (tv.code, other.code):
            assert (await client.post(f"/app/tv/{code}/ping")).status_code == 200
        await limit.sync()

        await proxy.set_mode(mode)
        statuses, slowest = [], 0.0
        for _ in range(LIMIT + 1):
            started = time.monotonic()
            statuses.append((await client.post(f"/app/tv/{tv.code}/ping")).status_code)
            slowest = max(slowest, time.monotonic() - started)
        sync_started = time.monotonic()
        await limit.sync()
        synced_within = time.monotonic() - sync_started
        statuses += [(await client.post(f"/app/tv/{tv.code}/ping")).status_code]

        # One counted before, three during: the fourth is the cap; then 429s.
        assert statuses == [200] * (LIMIT - 1) + [429] * 3
        # At most one Redis read times out (the playlist's, when this instance
        # stops trusting its copy): the link's half-second socket timeout.
        assert slowest < 1.5, slowest
        # The link's socket timeout (half a second) bounds a sync; a slow Redis
        # answers within the proxy's delay.
        assert synced_within < 3.0

        await proxy.restore()
        link = context_of(app).cache.link  # type: ignore[attr-defined]
        link.recheck_seconds = 0
        await link.recover_now()
        await limit.sync()
        counted = await redis_server_count(link, tv.code)
        assert counted == LIMIT


async def redis_server_count(link: RedisLink, code: str) -> int:
    members = await link.client.zcard(link.key(f"expotv:ping-count:{code}"))
    return int(members)
