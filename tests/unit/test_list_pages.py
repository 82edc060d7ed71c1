"""``items.pages``: which writes retire which kinds' pages, and a page built
across a change is never kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from expotv.cache import LocalPubSub, MemoryCache
from expotv.items.pages import EVERY_COLUMN, PageCache, PageKey, Watched

KEY = PageKey("ad", 1, "manager", None, None, None, 50, 0)


def pages() -> PageCache:
    return PageCache(
        MemoryCache(),
        LocalPubSub(),
        [
            Watched("ad", frozenset({"ad", "ad_tv"})),
            Watched("notice", frozenset({"notice"})),
        ],
        max_seconds=60,
        trust_seconds=1.0,
    )


@pytest.mark.parametrize(
    ("writes", "kinds"),
    [
        ({"ad": {"name"}}, {"ad"}),
        ({"ad_tv": {EVERY_COLUMN}}, {"ad"}),
        ({"notice": {"updated_at"}}, {"notice"}),
        # A heartbeat and the quota lock change nothing a list shows.
        ({"tv": {"last_seen_at", "updated_at"}}, set()),
        ({"user": {"updated_at"}}, set()),
        ({"news_item": {EVERY_COLUMN}}, set()),
        # Who sees what: every kind.
        ({"tv": {"condominium_id"}}, {"ad", "notice"}),
        ({"tv": {EVERY_COLUMN}}, {"ad", "notice"}),
        ({"user": {"role"}}, {"ad", "notice"}),
        ({"condominium": {"manager_id", "name"}}, {"ad", "notice"}),
        ({"viewer_condominium": {EVERY_COLUMN}}, {"ad", "notice"}),
        ({EVERY_COLUMN: {EVERY_COLUMN}}, {"ad", "notice"}),
    ],
)
def test_writes_retire_the_kinds_they_may_change(
    writes: dict[str, set[str]], kinds: set[str]
) -> None:
    assert pages().kinds_changed_by(writes) == kinds


async def test_a_token_is_made_only_where_there_is_none() -> None:
    cache = pages()
    now = datetime.now(UTC)
    await cache.cache.set("expotv:list-gen:ad", b"writer", 60)
    _, ticket = await cache.look_up(KEY, now)
    assert ticket.token == b"writer"
    await cache.cache.delete("expotv:list-gen:ad")
    cache._forget({"ad"})
    _, ticket = await cache.look_up(KEY, now)
    assert ticket.token not in (None, b"writer")
    assert await cache.cache.get("expotv:list-gen:ad") == ticket.token


async def test_a_page_is_kept_until_a_change_or_its_moment() -> None:
    cache = pages()
    now = datetime.now(UTC)
    await cache.look_up(KEY, now)
    body, ticket = await cache.look_up(KEY, now)
    assert body is None
    cache.put(ticket, b"[1]", now + timedelta(hours=1))
    assert (await cache.look_up(KEY, now))[0] == b"[1]"
    assert (await cache.look_up(KEY, now + timedelta(hours=2)))[0] is None

    await cache.retire({"ad"})
    assert (await cache.look_up(KEY, now))[0] is None


async def test_a_page_built_across_a_change_is_not_kept() -> None:
    cache = pages()
    now = datetime.now(UTC)
    await cache.look_up(KEY, now)
    _, ticket = await cache.look_up(KEY, now)
    assert ticket.token is not None
    await cache.retire({"ad"})  # while the page was being built
    cache.put(ticket, b"[old]", None)
    assert (await cache.look_up(KEY, now))[0] is None


async def test_a_change_heard_from_another_instance_retires_the_kind() -> None:
    cache = pages()
    now = datetime.now(UTC)
    await cache.look_up(KEY, now)
    _, ticket = await cache.look_up(KEY, now)
    cache.put(ticket, b"[1]", None)
    await cache.pubsub.publish("expotv:channel:list-pages", b'["notice"]')
    assert (await cache.look_up(KEY, now))[0] == b"[1]"
    await cache.pubsub.publish("expotv:channel:list-pages", b'["ad"]')
    assert (await cache.look_up(KEY, now))[0] is None


async def test_requests_for_a_page_being_built_wait_for_it() -> None:
    cache = pages()
    now = datetime.now(UTC)
    await cache.look_up(KEY, now)
    _, ticket = await cache.look_up(KEY, now, build=True)
    assert ticket.builds
    waiting = asyncio.create_task(cache.look_up(KEY, now, build=True))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    cache.put(ticket, b"[1]", None)
    cache.release(ticket)
    body, second = await waiting
    assert (body, second.builds) == (b"[1]", False)


async def test_a_failed_build_lets_the_next_request_build() -> None:
    cache = pages()
    now = datetime.now(UTC)
    await cache.look_up(KEY, now)
    _, ticket = await cache.look_up(KEY, now, build=True)
    waiting = asyncio.create_task(cache.look_up(KEY, now, build=True))
    await asyncio.sleep(0.01)
    cache.release(ticket)  # nothing put
    body, second = await waiting
    assert (body, second.builds) == (None, True)
