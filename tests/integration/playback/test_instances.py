"""Several instances sharing Redis: one cached playlist, invalidated for all, its
body read from Redis once per build and process (hits read its head, or nothing
within the trust bound while the invalidation channel is up), and a change through
any instance served by every other within the contract's 2 s."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from expotv.cache import keys
from expotv.cache.pubsub import RedisPubSub
from expotv.cache.redis import RedisCache
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import utcnow
from expotv.playlist.invalidation import PendingChanges, PlaylistInvalidator
from expotv.playlist.service import PlaylistService
from tests import support
from tests.conftest import AppBuilder
from tests.integration.playback.conftest import Arrange, wait_up

pytestmark = pytest.mark.redis


@pytest.fixture
async def shared_cache() -> AsyncIterator[RedisCache]:
    cache = RedisCache.from_url(
        support.REDIS_URL, prefix=f"expotv-test-{support.run_id()}"
    )
    yield cache
    await cache.flush()
    await cache.close()


class Spy:
    """The keys each read of the cache asked for."""

    def __init__(self, cache: RedisCache) -> None:
        self.reads: list[tuple[str, ...]] = []
        get_many, get = cache.get_many, cache.get

        async def spied_get_many(*wanted: str) -> Any:
            self.reads.append(wanted)
            return await get_many(*wanted)

        async def spied_get(key: str) -> Any:
            self.reads.append((key,))
            return await get(key)

        cache.get_many = spied_get_many  # type: ignore[method-assign]
        cache.get = spied_get  # type: ignore[method-assign]

    def bodies_read(self, code: str) -> int:
        return sum(keys.playlist(code) in read for read in self.reads)

    def tails_read(self) -> int:
        prefix = keys.playlist_tail("")
        return sum(any(k.startswith(prefix) for k in read) for read in self.reads)


def instance(
    app: FastAPI, cache: RedisCache, *, bodies_max_bytes: int | None = None
) -> PlaylistService:
    return PlaylistService(
        sessionmaker=context_of(app).sessionmaker,
        cache=cache,
        settings=context_of(app).settings,
        bodies_max_bytes=bodies_max_bytes,
    )


def invalidator(app: FastAPI, playlists: PlaylistService) -> PlaylistInvalidator:
    return PlaylistInvalidator(context_of(app).sessionmaker, playlists)


async def a_tv_with_an_ad(arrange: Arrange) -> tuple[Any, Any, Any]:
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    return condominium, tv, await arrange.ad(condominium)


async def deactivate(app: FastAPI, ad: Any) -> None:
    async with context_of(app).sessionmaker() as session:
        stored = await session.get(type(ad), ad.id)
        assert stored is not None
        stored.status = ContentStatus.INACTIVE
        await session.commit()


async def test_instances_share_one_cached_playlist_and_its_invalidation(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache
) -> None:
    a, b = instance(app, shared_cache), instance(app, shared_cache)
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    ad = await arrange.ad(condominium)

    built = await a.get(tv.code, client="t", now=utcnow())
    # Same bytes, generation time included: B answered from the shared entry.
    assert (await b.get(tv.code, client="t", now=utcnow())).entry.body == (
        built.entry.body
    )

    async with context_of(app).sessionmaker() as session:
        stored = await session.get(type(ad), ad.id)
        assert stored is not None
        stored.status = ContentStatus.INACTIVE
        await session.commit()
    await invalidator(app, a).apply(PendingChanges(condominium_ids={condominium.id}))

    after = await b.get(tv.code, client="t", now=utcnow())
    assert after.entry.version != built.entry.version


async def test_watched_tv_on_another_instance_hears_the_new_version(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache
) -> None:
    a, b = instance(app, shared_cache), instance(app, shared_cache)
    heard: list[tuple[str, str]] = []

    async def listen(code: str, version: str) -> None:
        heard.append((code, version))

    b.watched.on_version_changed.append(listen)
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    b.watch(tv.code.lower())
    before = await b.version(tv.code, client="t", now=utcnow())

    await arrange.notice(condominium)
    published: list[frozenset[str] | None] = []

    async def publish(codes: frozenset[str] | None) -> None:
        published.append(codes)

    a.on_invalidated.append(publish)
    await invalidator(app, a).apply(PendingChanges(condominium_ids={condominium.id}))
    assert published == [frozenset({tv.code})]
    # What the fan-out does on B when the message arrives.
    await b.invalidate(published[0] or (), local_only=True)
    await b.drain()

    now_version = await b.version(tv.code, client="t", now=utcnow())
    assert now_version != before
    assert heard == [(tv.code, now_version)]
    b.unwatch(tv.code)
    await a.close()
    await b.close()


async def test_a_hit_reads_the_body_once_per_build_and_process(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache
) -> None:
    """A hit reads the playlist's head, not its body, when this process holds
    those bytes (``store.head``)."""
    tv = await arrange.tv(await arrange.condominium())
    a, b = instance(app, shared_cache), instance(app, shared_cache)
    spy = Spy(shared_cache)

    built = await a.get(tv.code, client="t", now=utcnow())
    for _ in range(3):
        served = await a.get(tv.code, client="t", now=utcnow())
        assert served.entry.body == built.entry.body
    assert spy.bodies_read(tv.code) == 0  # a built it: it holds the bytes

    for _ in range(3):
        served = await b.get(tv.code, client="t", now=utcnow())
        assert served.entry.body == built.entry.body
    assert spy.bodies_read(tv.code) == 1  # b fetched them once

    # A rebuild of the same versao is other bytes (its gerado_em): b fetches them.
    await a.invalidate([tv.code], local_only=True)
    rebuilt = await a.get(tv.code, client="t", now=utcnow())
    assert rebuilt.entry.version == built.entry.version
    assert rebuilt.entry.body != built.entry.body
    served = await b.get(tv.code, client="t", now=utcnow())
    assert served.entry.body == rebuilt.entry.body
    assert spy.bodies_read(tv.code) == 2


def counted(metric: str, source: str) -> float:
    return support.sample_value(f"{metric}_total", {"source": source}) or 0.0


async def test_each_served_playlist_is_counted_by_where_it_came_from(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache
) -> None:
    """``expotv_playlist_lookups_total`` / ``_tails_total`` tell an operator
    whether hits come from memory or from the shared cache."""
    tv = await arrange.tv(await arrange.condominium())
    a, b = instance(app, shared_cache), instance(app, shared_cache)
    sources = ("memory", "checked", "shared", "built")
    before = {s: counted("expotv_playlist_lookups", s) for s in sources}
    tails_before = {s: counted("expotv_playlist_tails", s) for s in sources}

    seen = [(await a.get(tv.code, client="t", now=utcnow())).source]
    seen.append((await a.get(tv.code, client="t", now=utcnow())).source)
    seen.append((await b.get(tv.code, client="t", now=utcnow())).source)
    seen.append((await b.get(tv.code, client="t", now=utcnow())).source)
    # No invalidation channel here: every hit is checked against the shared head.
    assert seen == ["built", "checked", "shared", "checked"]
    grown = {s: counted("expotv_playlist_lookups", s) - before[s] for s in sources}
    assert grown == {"memory": 0, "checked": 2, "shared": 1, "built": 1}
    # a built its tail; b read it back once, then held it.
    tails = {s: counted("expotv_playlist_tails", s) - tails_before[s] for s in sources}
    assert tails == {"memory": 2, "checked": 0, "shared": 1, "built": 0}
    await a.close()
    await b.close()


async def test_a_ping_and_a_304_read_no_body_and_a_200_reads_the_shared_part_once(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache
) -> None:
    """Bodies are the TV's head plus a part shared by the TVs that play the same,
    stored once; a versao-only answer needs neither."""
    condominium = await arrange.condominium()
    tvs = [await arrange.tv(condominium) for _ in range(3)]
    await arrange.ad(condominium)
    a, b = instance(app, shared_cache), instance(app, shared_cache)
    built = [await a.get(tv.code, client="t", now=utcnow()) for tv in tvs]
    assert len({served.entry.tail_id for served in built}) == 1
    spy = Spy(shared_cache)

    for tv, served in zip(tvs, built, strict=True):
        version = served.entry.version
        pinged = await b.get(tv.code, client="t", now=utcnow(), body=False)
        revalidated = await b.get(
            tv.code, client="t", now=utcnow(), if_none_match=f'"{version}"'
        )
        assert pinged.entry.version == revalidated.entry.version == version
        assert not pinged.entry.has_body
        assert not revalidated.entry.has_body
    assert spy.tails_read() == 0

    for tv, served in zip(tvs, built, strict=True):
        got = await b.get(tv.code, client="t", now=utcnow(), if_none_match='"old"')
        assert got.entry.body == served.entry.body
    assert spy.tails_read() == 1  # one shared part for the three TVs
    await a.close()
    await b.close()


async def test_a_body_dropped_here_is_read_back_or_built_again(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache
) -> None:
    condominium = await arrange.condominium()
    one = await arrange.tv(condominium)
    await arrange.ad(condominium)
    # A budget of one byte keeps only the last shared part seen.
    a = instance(app, shared_cache, bodies_max_bytes=1)
    first = await a.get(one.code, client="t", now=utcnow())
    elsewhere = await arrange.tv(await arrange.condominium())
    await a.get(elsewhere.code, client="t", now=utcnow())
    spy = Spy(shared_cache)

    again = await a.get(one.code, client="t", now=utcnow())
    assert again.entry.body == first.entry.body
    assert spy.tails_read() == 1

    # Gone from the shared cache too: built again, the same versao.
    await shared_cache.delete(keys.playlist_tail(first.entry.tail_id))
    await a.get(elsewhere.code, client="t", now=utcnow())
    served = await a.get(one.code, client="t", now=utcnow())
    assert spy.tails_read() == 3  # elsewhere's, read back; one's, gone
    assert served.entry.version == first.entry.version
    assert json.loads(served.entry.body)["versao"] == first.entry.version
    await a.close()


async def test_an_invalidated_head_is_a_miss_everywhere(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    a, b = instance(app, shared_cache), instance(app, shared_cache)
    await a.get(tv.code, client="t", now=utcnow())
    await b.get(tv.code, client="t", now=utcnow())

    await a.invalidate([tv.code], local_only=True)

    # b still holds the old bytes, but the shared head is gone: not served fresh.
    assert await b.store.fresh(tv.code, utcnow().timestamp()) is None


class Channel:
    """What ``PubSub.up_since`` says, set by the test."""

    def __init__(self) -> None:
        self.since: float | None = float("-inf")
        self.asked_within: list[float] = []

    def __call__(self, heard_within: float) -> float | None:
        self.asked_within.append(heard_within)
        return self.since


async def test_a_hit_trusts_its_copy_only_while_the_channel_is_up_since_its_check(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache
) -> None:
    """Up without a gap since b checked its copy: b answers with no round trip
    (a change is then told by the channel). Silent past the bound, or reconnected
    since (messages may have been lost): b reads the head and serves the change."""
    settings = context_of(app).settings
    assert 0 < settings.tv_content_trust_seconds < 2
    condominium, tv, ad = await a_tv_with_an_ad(arrange)
    a, b = instance(app, shared_cache), instance(app, shared_cache)
    channel = Channel()
    b.trust_while(channel)
    before = await b.get(tv.code, client="t", now=utcnow())
    spy = Spy(shared_cache)

    await deactivate(app, ad)
    # a drops the shared entry; b is not told (the message is what b relies on).
    await invalidator(app, a).apply(PendingChanges(condominium_ids={condominium.id}))
    assert (await b.get(tv.code, client="t", now=utcnow())).entry == before.entry
    assert spy.reads == []  # answered from b's own copy
    assert channel.asked_within[-1] == settings.tv_content_trust_seconds

    channel.since = time.monotonic()  # reconnected after b's check
    after = await b.get(tv.code, client="t", now=utcnow())
    assert after.entry.version != before.entry.version
    assert spy.reads  # the head was read, the change served

    # Checked (built) after the reconnection: trusted again.
    reads = len(spy.reads)
    assert (await b.get(tv.code, client="t", now=utcnow())).entry == after.entry
    assert len(spy.reads) == reads


async def test_without_the_channel_every_hit_reads_the_head(
    app: FastAPI, arrange: Arrange, shared_cache: RedisCache
) -> None:
    condominium, tv, ad = await a_tv_with_an_ad(arrange)
    a, b = instance(app, shared_cache), instance(app, shared_cache)
    channel = Channel()
    b.trust_while(channel)
    before = await b.get(tv.code, client="t", now=utcnow())

    channel.since = None  # down, or silent past the bound
    spy = Spy(shared_cache)
    assert (await b.get(tv.code, client="t", now=utcnow())).entry == before.entry
    assert len(spy.reads) == 1

    await deactivate(app, ad)
    await invalidator(app, a).apply(PendingChanges(condominium_ids={condominium.id}))
    after = await b.get(tv.code, client="t", now=utcnow())
    assert after.entry.version != before.entry.version


async def served_version(client: Any, code: str) -> str:
    response = await client.get(f"/app/tv/{code}/content")
    assert response.status_code == 200
    version: str = response.json()["versao"]
    return version


async def test_a_change_through_one_instance_reaches_the_other_by_the_channel(
    shared: AppBuilder, arrange: Arrange
) -> None:
    """Two real instances: b answers from its own copy with no round trip, so only
    the invalidation channel can tell it of a's change; with the channel lost, b
    reads the head on every request and serves the change at once."""
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    ads = [await arrange.ad(condominium) for _ in range(2)]
    a, b = await shared(), await shared()
    b_pubsub = context_of(b).pubsub
    assert isinstance(b_pubsub, RedisPubSub)
    await wait_up(b_pubsub)

    async with support.client_at(b, "10.0.0.2") as on_b:
        first = await served_version(on_b, tv.code)
        assert await served_version(on_b, tv.code) == first
        assert context_of(b).playlists.store.trusted(tv.code, time.time())

        await deactivate(a, ads[0])
        await context_of(a).invalidator.apply(
            PendingChanges(condominium_ids={condominium.id})
        )
        second = first
        for _ in range(200):  # until the message arrives (not a time limit)
            second = await served_version(on_b, tv.code)
            if second != first:
                break
            await asyncio.sleep(0.05)
        assert second != first

        await b_pubsub.close()
        await deactivate(a, ads[1])
        await context_of(a).invalidator.apply(
            PendingChanges(condominium_ids={condominium.id})
        )
        third = await served_version(on_b, tv.code)
        assert third not in (first, second)
