from __future__ import annotations

import asyncio

import pytest

from expotv.cache import CacheError, keys
from expotv.cache.redis import RedisCache, RedisLink
from tests import support
from tests.integration.redis.server import RedisServer

pytestmark = pytest.mark.redis


def degraded(operation: str) -> float:
    value = support.sample_value(
        "expotv_cache_degraded_total", {"operation": operation}
    )
    return value or 0.0


async def test_values_round_trip_and_expire_with_their_ttl(
    redis_cache: RedisCache,
) -> None:
    await redis_cache.set("expotv:test:a", b"\x00bytes\xff", 30)

    assert await redis_cache.get("expotv:test:a") == b"\x00bytes\xff"
    ttl_ms = await redis_cache.link.client.pttl(redis_cache.link.key("expotv:test:a"))
    assert 0 < ttl_ms <= 30_000
    await redis_cache.delete("expotv:test:a", "expotv:test:missing")
    assert await redis_cache.get("expotv:test:a") is None


async def test_keys_live_under_the_configured_prefix(
    redis_cache: RedisCache, prefix: str
) -> None:
    await redis_cache.set(keys.playlist("abc123"), b"x", 30)

    client = redis_cache.link.client
    assert await client.get(f"{prefix}:playlist:ABC123") == b"x"
    assert await client.exists("expotv:playlist:ABC123") == 0


async def test_incr_counts_within_one_window_and_reports_time_left(
    redis_cache: RedisCache,
) -> None:
    first = await redis_cache.incr("expotv:test:counter", 60)
    second = await redis_cache.incr("expotv:test:counter", 60)

    assert first[0] == 1
    assert second[0] == 2
    assert 0 < second[1] <= 60
    # The window starts at the first increment: later ones do not extend it.
    ttl_ms = await redis_cache.link.client.pttl(
        redis_cache.link.key("expotv:test:counter")
    )
    assert 0 < ttl_ms <= 60_000


async def test_concurrent_increments_are_atomic(redis_cache: RedisCache) -> None:
    results = await asyncio.gather(
        *(redis_cache.incr("expotv:test:race", 60) for _ in range(50))
    )

    assert sorted(count for count, _ in results) == list(range(1, 51))


async def test_counters_are_shared_between_instances(
    redis_cache: RedisCache, prefix: str
) -> None:
    other = RedisCache.from_url(support.REDIS_URL, prefix=prefix)
    try:
        await redis_cache.incr("expotv:test:shared", 60)
        count, _ = await other.incr("expotv:test:shared", 60)
    finally:
        await other.close()

    assert count == 2


async def test_flush_leaves_other_prefixes_alone(redis_cache: RedisCache) -> None:
    neighbour = RedisCache.from_url(
        support.REDIS_URL, prefix=f"expotv-neighbour-{support.run_id()}"
    )
    try:
        await neighbour.set("expotv:test:keep", b"1", 30)
        await redis_cache.set("expotv:test:drop", b"1", 30)

        await redis_cache.flush()

        assert await redis_cache.get("expotv:test:drop") is None
        assert await neighbour.get("expotv:test:keep") == b"1"
    finally:
        await neighbour.flush()
        await neighbour.close()


async def test_unreachable_redis_degrades_to_local_behaviour() -> None:
    cache = RedisCache.from_url(
        f"redis://127.0.0.1:{support.free_port()}/0", prefix="expotv-nowhere"
    )
    before = degraded("get")
    try:
        assert await cache.get("expotv:test:a") is None
        await cache.set("expotv:test:a", b"local", 30)
        assert await cache.get("expotv:test:a") == b"local"
        assert await cache.incr("expotv:test:n", 60) == (1, 60)
        await cache.delete("expotv:test:a")
        assert await cache.get("expotv:test:a") is None
        assert not cache.link.is_up
        with pytest.raises(CacheError):
            await cache.check()
    finally:
        await cache.close()

    assert degraded("get") >= before + 3


async def test_cache_recovers_when_redis_returns(
    owned_cache: RedisCache, redis_server: RedisServer
) -> None:
    await owned_cache.set("expotv:test:a", b"shared", 30)
    redis_server.stop()

    assert await owned_cache.get("expotv:test:a") is None
    await owned_cache.set("expotv:test:a", b"local", 30)
    assert await owned_cache.get("expotv:test:a") == b"local"
    assert not owned_cache.link.is_up

    redis_server.start()
    assert await owned_cache.get("expotv:test:a") is None  # the new, empty server
    await owned_cache.set("expotv:test:a", b"shared again", 30)
    assert owned_cache.link.is_up
    raw = owned_cache.link.client
    assert await raw.get(owned_cache.link.key("expotv:test:a")) == b"shared again"


async def test_deletes_made_while_down_are_replayed_on_recovery(
    owned_cache: RedisCache, redis_server: RedisServer, prefix: str
) -> None:
    redis_server.stop()
    await owned_cache.delete(keys.playlist("AAAAAA"))
    assert not owned_cache.link.is_up
    redis_server.start()
    # Another instance cached the old playlist while this one could not delete it.
    other = RedisCache(RedisLink.from_url(redis_server.url, prefix=prefix))
    try:
        await other.set(keys.playlist("AAAAAA"), b"stale", 300)
        await other.set(keys.playlist("BBBBBB"), b"fine", 300)

        await owned_cache.get("expotv:test:anything")  # the first call after recovery

        assert owned_cache.link.is_up
        assert await other.get(keys.playlist("AAAAAA")) is None
        assert await other.get(keys.playlist("BBBBBB")) == b"fine"
    finally:
        await other.close()


async def test_down_redis_is_not_retried_before_the_recheck_interval(
    redis_server: RedisServer, prefix: str
) -> None:
    link = RedisLink.from_url(redis_server.url, prefix=prefix, recheck_seconds=3600)
    cache = RedisCache(link)
    try:
        redis_server.stop()
        await cache.get("expotv:test:a")
        redis_server.start()

        await cache.set("expotv:test:a", b"local", 30)

        assert not link.is_up
        assert await link.client.exists(link.key("expotv:test:a")) == 0
    finally:
        await cache.close()


async def test_local_copies_of_shared_entries_are_short_lived_while_down() -> None:
    cache = RedisCache.from_url(
        f"redis://127.0.0.1:{support.free_port()}/0", prefix="expotv-nowhere"
    )
    try:
        await cache.set(keys.playlist("ABC123"), b"playlist", 3600)
        await cache.set("expotv:other:x", b"kept", 900)

        entries = cache._fallback._data
        now = asyncio.get_running_loop().time()
        playlist_left = entries[keys.playlist("ABC123")][0] - now
        other_left = entries["expotv:other:x"][0] - now
    finally:
        await cache.close()

    assert playlist_left <= 5
    assert other_left > 800


async def test_the_calls_of_one_loop_turn_go_out_in_one_pipeline(
    redis_cache: RedisCache,
) -> None:
    client = redis_cache.link.client
    pipelines = 0
    pipeline = client.pipeline

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal pipelines
        pipelines += 1
        return pipeline(*args, **kwargs)  # type: ignore[arg-type]

    client.pipeline = counted  # type: ignore[method-assign]
    names = [f"expotv:test:burst{n}" for n in range(40)]

    await asyncio.gather(*(redis_cache.set(name, name.encode(), 30) for name in names))
    assert pipelines == 1
    found = await asyncio.gather(
        *(redis_cache.get_many(name, "expotv:test:none") for name in names),
        redis_cache.get(names[0]),
    )
    assert pipelines == 2
    assert found[:-1] == [[name.encode(), None] for name in names]
    assert found[-1] == names[0].encode()
    # One call alone is sent as itself.
    assert await redis_cache.get_many(names[1]) == [names[1].encode()]
    assert pipelines == 2


async def test_add_sets_only_a_key_that_holds_nothing(redis_cache: RedisCache) -> None:
    assert await redis_cache.add("expotv:list-gen:ad", b"first", 60)
    assert not await redis_cache.add("expotv:list-gen:ad", b"second", 60)
    assert await redis_cache.get("expotv:list-gen:ad") == b"first"
