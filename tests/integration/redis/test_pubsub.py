from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from expotv.cache.pubsub import RedisPubSub
from expotv.cache.redis import RedisLink
from tests import support
from tests.integration.redis.server import RedisServer

pytestmark = pytest.mark.redis

CHANNEL = "expotv:channel:test"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self._arrived = asyncio.Event()

    def __call__(self, message: bytes) -> None:
        self.messages.append(message)
        self._arrived.set()

    async def wait(self, count: int = 1, timeout: float = 5.0) -> list[bytes]:
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.messages


async def started(url: str, prefix: str, inbox: Inbox) -> RedisPubSub:
    link = RedisLink.from_url(url, prefix=prefix)
    link.recheck_seconds = 0
    pubsub = RedisPubSub(link, max_backoff_seconds=0.2)
    pubsub.subscribe(CHANNEL, inbox)
    await pubsub.start()
    await pubsub.wait_listening()
    return pubsub


@pytest.fixture
async def pair(
    prefix: str,
) -> AsyncIterator[tuple[RedisPubSub, Inbox, RedisPubSub, Inbox]]:
    inbox_a, inbox_b = Inbox(), Inbox()
    a = await started(support.REDIS_URL, prefix, inbox_a)
    b = await started(support.REDIS_URL, prefix, inbox_b)
    yield a, inbox_a, b, inbox_b
    for pubsub in (a, b):
        await pubsub.close()
        await pubsub.link.close()


async def test_message_reaches_every_instance_once(
    pair: tuple[RedisPubSub, Inbox, RedisPubSub, Inbox],
) -> None:
    a, inbox_a, _, inbox_b = pair

    await a.publish(CHANNEL, b"hello")

    assert await inbox_b.wait() == [b"hello"]
    await a.publish(CHANNEL, b"second")  # the first echo would have come by now
    await inbox_b.wait(2)
    assert inbox_a.messages == [b"hello", b"second"]


async def test_publish_without_echo_skips_the_publisher(
    pair: tuple[RedisPubSub, Inbox, RedisPubSub, Inbox],
) -> None:
    a, inbox_a, _, inbox_b = pair

    await a.publish(CHANNEL, b"for the others", echo=False)

    assert await inbox_b.wait() == [b"for the others"]
    assert inbox_a.messages == []


async def test_other_prefixes_do_not_hear_each_other(
    pair: tuple[RedisPubSub, Inbox, RedisPubSub, Inbox],
) -> None:
    a, _, _, inbox_b = pair
    stranger_inbox = Inbox()
    stranger = await started(
        support.REDIS_URL, f"expotv-stranger-{support.run_id()}", stranger_inbox
    )
    try:
        await a.publish(CHANNEL, b"private")
        await inbox_b.wait()
        await stranger.publish(CHANNEL, b"own")
        await stranger_inbox.wait()
    finally:
        await stranger.close()
        await stranger.link.close()

    assert stranger_inbox.messages == [b"own"]


async def test_listener_reconnects_after_redis_restarts_and_asks_for_resync(
    redis_server: RedisServer, prefix: str
) -> None:
    inbox_a, inbox_b = Inbox(), Inbox()
    a = await started(redis_server.url, prefix, inbox_a)
    b = await started(redis_server.url, prefix, inbox_b)
    resynced = asyncio.Event()
    b.on_resync(resynced.set)
    try:
        redis_server.stop()
        await a.publish(CHANNEL, b"lost")  # Redis down: only the publisher hears it
        assert inbox_a.messages == [b"lost"]

        redis_server.start()
        async with asyncio.timeout(10):
            await resynced.wait()
        await a.wait_listening()
        await b.wait_listening()
        await a.publish(CHANNEL, b"after")
        async with asyncio.timeout(5):
            while b"after" not in inbox_b.messages:
                await inbox_b.wait(len(inbox_b.messages) + 1)
        # "lost" may come too, if the publisher caught up after the listener did.
        assert set(inbox_b.messages) <= {b"lost", b"after"}
    finally:
        for pubsub in (a, b):
            await pubsub.close()
            await pubsub.link.close()


async def test_messages_published_while_redis_was_unreachable_are_sent_on_recovery(
    pair: tuple[RedisPubSub, Inbox, RedisPubSub, Inbox],
) -> None:
    a, inbox_a, _, inbox_b = pair
    a.link.recheck_seconds = 3600
    a.link.mark_down(ConnectionError("as if the network dropped"))

    await a.publish(CHANNEL, b"while down", echo=False)
    assert inbox_b.messages == []

    assert await a.link.recover_now() is True
    assert await inbox_b.wait() == [b"while down"]
    assert inbox_a.messages == []


async def _until_up(pubsub: RedisPubSub) -> float:
    async with asyncio.timeout(10):
        while (since := pubsub.up_since(5.0)) is None:
            await asyncio.sleep(0.02)
    return since


async def test_up_since_starts_again_after_every_gap(
    redis_server: RedisServer, prefix: str
) -> None:
    """What lets the playlists trust their copies (``PlaylistCache.trusted``):
    since when messages have reached this instance without a gap."""
    pubsub = await started(redis_server.url, prefix, Inbox())
    try:
        first = await _until_up(pubsub)
        redis_server.stop()
        async with asyncio.timeout(10):
            while pubsub.up_since(5.0) is not None:
                await asyncio.sleep(0.02)
        redis_server.start()
        assert await _until_up(pubsub) > first
    finally:
        await pubsub.close()
        await pubsub.link.close()
    assert pubsub.up_since(5.0) is None
