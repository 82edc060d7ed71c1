from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from expotv.cache.redis import RedisCache, RedisLink
from tests import support
from tests.integration.redis.server import RedisServer


@pytest.fixture
def prefix() -> str:
    return f"expotv-test-{support.run_id()}"


@pytest.fixture
async def redis_cache(prefix: str) -> AsyncIterator[RedisCache]:
    cache = RedisCache.from_url(support.REDIS_URL, prefix=prefix)
    yield cache
    await cache.flush()
    await cache.close()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def owned_cache(
    redis_server: RedisServer, prefix: str
) -> AsyncIterator[RedisCache]:
    """A cache on the test's own server, re-checking Redis at once while it is down."""
    cache = RedisCache(RedisLink.from_url(redis_server.url, prefix=prefix))
    cache.link.recheck_seconds = 0
    yield cache
    await cache.close()
