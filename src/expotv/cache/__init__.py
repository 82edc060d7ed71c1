from __future__ import annotations

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


def create_pubsub(cache: Cache) -> PubSub:
    """Pub/sub over the same Redis as ``cache``, or in-process without one."""
    from expotv.cache.redis import RedisCache

    if isinstance(cache, RedisCache):
        from expotv.cache.pubsub import RedisPubSub

        return RedisPubSub(cache.link)
    return LocalPubSub()
