from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from expotv.cache.base import Cache, CacheError
from expotv.cache.memory import MemoryCache
from expotv.cache.pubsub import LocalPubSub, PubSub
from expotv.config import Settings

__all__ = [
    "Cache",
    "CacheError",
    "LocalPubSub",
    "MemoryCache",
    "PubSub",
    "create_cache",
    "create_pubsub",
]


def create_cache(settings: Settings) -> Cache:
    if settings.redis_url:
        from expotv.cache.redis import RedisCache

        return RedisCache.from_url(settings.redis_url, prefix=settings.redis_key_prefix)
    return MemoryCache()


@asynccontextmanager
async def create_pubsub(settings: Settings, cache: Cache) -> AsyncIterator[PubSub]:
    """Pub/sub between the processes of a deployment, closed on exit.

    Over the cache's Redis; without ``EXPOTV_REDIS_URL`` but with
    ``EXPOTV_QUEUE_URL``, over the queue's Redis: the API and its ``expotv
    worker`` processes already share that server, and a conversion finished by a
    worker must reach the API's TVs (its playlist cache is in-process then, so the
    message is the only way to invalidate it). Without either, in-process.
    """
    from expotv.cache.redis import RedisCache, RedisLink

    if isinstance(cache, RedisCache):
        from expotv.cache.pubsub import RedisPubSub

        pubsub: PubSub = RedisPubSub(cache.link)
        try:
            yield pubsub
        finally:
            await pubsub.close()
    elif settings.queue_url:
        from expotv.cache.pubsub import RedisPubSub

        link = RedisLink.from_url(settings.queue_url, prefix=settings.redis_key_prefix)
        pubsub = RedisPubSub(link)
        try:
            yield pubsub
        finally:
            await pubsub.close()
            await link.close()
    else:
        pubsub = LocalPubSub()
        try:
            yield pubsub
        finally:
            await pubsub.close()
