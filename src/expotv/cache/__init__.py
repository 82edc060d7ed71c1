from __future__ import annotations

from expotv.cache.base import Cache, CacheError
from expotv.cache.memory import MemoryCache
from expotv.config import Settings

__all__ = ["Cache", "CacheError", "MemoryCache", "create_cache"]


def create_cache(settings: Settings) -> Cache:
    if settings.redis_url:
        from expotv.cache.redis import RedisCache

        return RedisCache.from_url(settings.redis_url)
    return MemoryCache()
