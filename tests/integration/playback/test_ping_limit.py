"""Pings per TV code (issue 14: "ping: no rate per code")."""

from __future__ import annotations

from prometheus_client import REGISTRY
from sqlalchemy import select

from expotv.context import context_of
from expotv.tvs.models import TV
from tests import support
from tests.conftest import AppBuilder
from tests.cost import measured
from tests.integration.playback.conftest import Arrange

LIMIT = 4


def refused_pings() -> float:
    value = REGISTRY.get_sample_value(
        "expotv_refused_total",
        {"surface": "ping", "reason": "tv_ping_rate_limited"},
    )
    return value or 0.0


async def test_pings_of_one_code_past_the_limit_are_429_and_record_nothing(
    shared: AppBuilder, arrange: Arrange
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    # Two instances: the count is the code's, whichever instance is pinged.
    a = await shared(ping_max_per_code_per_minute=LIMIT)
    b = await shared(ping_max_per_code_per_minute=LIMIT)
    counted = refused_pings()
    async with (
        support.client_at(a, "10.40.0.1") as tv_a,
        support.client_at(b, "10.40.0.2") as tv_b,
    ):
        for client in (tv_a, tv_b, tv_a, tv_b):
            assert (await client.post(f"/app/tv/{tv.code}/ping")).status_code == 200
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
