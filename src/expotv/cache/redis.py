"""Redis as the shared cache of several instances, and the link the others ride on.

    RedisLink    one client and its health: every call goes through ``call``, which
                 answers from a local fallback while Redis is down (logged once per
                 transition, counted in ``expotv_cache_degraded_total``) and looks
                 again at most every ``recheck_seconds``
    RedisCache   the ``Cache`` protocol on Redis; a small ``MemoryCache`` stands in
                 while Redis is down
    (pubsub.py RedisPubSub and locks.py RedisJobCoordinator share the same link)

Keys from ``expotv.cache.keys`` start with ``expotv:``; the link swaps that leading
segment for ``Settings.redis_key_prefix`` so that deployments (and test runs) sharing
one server do not collide. Sockets time out after half a second: a TV request never
waits long, nor fails, because of Redis.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypedDict, TypeVar, Unpack

from redis.asyncio import Redis
from redis.exceptions import RedisError

from expotv.batching import Batcher
from expotv.cache import keys
from expotv.cache.base import CacheError
from expotv.cache.memory import MemoryCache
from expotv.observability.metrics import CACHE_DEGRADED

log = logging.getLogger(__name__)

T = TypeVar("T")

# What a dead, restarting or unreachable server raises through redis-py.
REDIS_ERRORS: tuple[type[BaseException], ...] = (
    RedisError,
    OSError,
    asyncio.TimeoutError,
)

# INCR and start the window on the first increment, atomically: the counter can never
# be left without an expiry (a crash between INCR and EXPIRE would make it eternal).
_INCR_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""

# Deletes that could not reach Redis are replayed when it returns; past this many the
# whole family of keys (e.g. every playlist) is dropped instead.
_MAX_PENDING_DELETES = 10_000
# While Redis is down an instance may miss another's invalidation: keep local copies
# of invalidated families short-lived so nothing stale is served for long.
_FALLBACK_MAX_TTL_SECONDS = 5


SOCKET_TIMEOUT_SECONDS = 0.5
RECHECK_SECONDS = 2.0


class LinkOptions(TypedDict, total=False):
    """``RedisLink``'s settings besides its client (``from_url``'s keywords)."""

    prefix: str
    socket_timeout: float
    recheck_seconds: float


class RedisLink:
    """A Redis client plus the up/down state shared by cache, pub/sub and locks."""

    def __init__(
        self,
        client: Redis[bytes],
        *,
        url: str | None = None,
        prefix: str = keys.PREFIX,
        socket_timeout: float = SOCKET_TIMEOUT_SECONDS,
        recheck_seconds: float = RECHECK_SECONDS,
    ) -> None:
        self.client = client
        self.url = url
        self.prefix = prefix
        self.socket_timeout = socket_timeout
        self.recheck_seconds = recheck_seconds
        self._up = True
        self._checking = False
        self._next_check = 0.0
        self._recovery_hooks: list[Callable[[Redis[bytes]], Awaitable[None]]] = []

    @classmethod
    def from_url(cls, url: str, **options: Unpack[LinkOptions]) -> RedisLink:
        timeout = options.get("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        return cls(_client(url, timeout), url=url, **options)

    def key(self, key: str) -> str:
        head, sep, rest = key.partition(":")
        if sep and head == keys.PREFIX:
            return f"{self.prefix}:{rest}"
        return f"{self.prefix}:{key}"

    def new_client(self, *, socket_timeout: float | None = None) -> Redis[bytes]:
        """A client with its own connections (a pub/sub listener holds one for good)."""
        if self.url is None:
            raise RuntimeError("RedisLink criado sem URL")
        return _client(self.url, socket_timeout, connect_timeout=self.socket_timeout)

    @property
    def is_up(self) -> bool:
        return self._up

    def on_recovery(self, hook: Callable[[Redis[bytes]], Awaitable[None]]) -> None:
        """Run ``hook`` (with the client) before calls go to Redis again."""
        self._recovery_hooks.append(hook)

    async def call(
        self,
        operation: str,
        primary: Callable[[Redis[bytes]], Awaitable[T]],
        fallback: Callable[[], Awaitable[T]],
    ) -> T:
        """``primary`` on Redis, or ``fallback`` when Redis is down or just failed."""
        if await self._usable():
            try:
                return await primary(self.client)
            except REDIS_ERRORS as exc:
                self.mark_down(exc)
        CACHE_DEGRADED.labels(operation=operation).inc()
        return await fallback()

    def mark_down(self, exc: BaseException) -> None:
        self._next_check = time.monotonic() + self.recheck_seconds
        if self._up:
            self._up = False
            log.warning(
                "Redis indisponível (%s: %s); usando cache, pub/sub e travas locais",
                type(exc).__name__,
                exc,
            )

    async def recover_now(self) -> bool:
        """Probe a down Redis at once (a listener just reconnected): True if up."""
        if not self._up:
            self._next_check = 0.0
        return await self._usable()

    async def _usable(self) -> bool:
        if self._up:
            return True
        if self._checking or time.monotonic() < self._next_check:
            return False
        self._checking = True
        try:
            # Connections pooled before the outage point at a dead server: drop them
            # so the probe and every later call start on fresh sockets.
            await self.client.connection_pool.disconnect()
            await self.client.ping()
            for hook in self._recovery_hooks:
                await hook(self.client)
        except REDIS_ERRORS:
            self._next_check = time.monotonic() + self.recheck_seconds
            return False
        finally:
            self._checking = False
        self._up = True
        log.warning("Redis disponível de novo; cache, pub/sub e travas compartilhados")
        return True

    async def ping(self) -> None:
        await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()  # type: ignore[attr-defined]


def _client(
    url: str, socket_timeout: float | None, *, connect_timeout: float | None = None
) -> Redis[bytes]:
    return Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout or socket_timeout or 0.5,
        retry_on_timeout=False,
    )


class RedisCache:
    """The ``Cache`` protocol on Redis (shared by every instance)."""

    def __init__(self, link: RedisLink, *, owns_link: bool = True) -> None:
        self.link = link
        self._owns_link = owns_link
        self._fallback = MemoryCache(max_entries=10_000)
        self._pending_deletes: set[str] = set()
        self._pending_families: set[str] = set()
        self._incr = link.client.register_script(_INCR_SCRIPT)
        # The reads and the sets of one loop turn (a burst of TVs asking, of
        # builds) go out in one pipeline each.
        self._gets: Batcher[tuple[str, ...], list[Any]] = Batcher(
            self._get_many, window_seconds=0
        )
        self._sets: Batcher[tuple[str, bytes, int], None] = Batcher(
            self._set_many, window_seconds=0
        )
        link.on_recovery(self._resync)

    @classmethod
    def from_url(cls, url: str, **options: Unpack[LinkOptions]) -> RedisCache:
        return cls(RedisLink.from_url(url, **options))

    async def get(self, key: str) -> bytes | None:
        async def primary(client: Redis[bytes]) -> bytes | None:
            (value,) = await self._gets.get((self.link.key(key),)) or (None,)
            return bytes(value) if value is not None else None

        return await self.link.call("get", primary, lambda: self._fallback.get(key))

    async def get_many(self, *keys_: str) -> list[bytes | None]:
        async def primary(client: Redis[bytes]) -> list[bytes | None]:
            values = await self._gets.get(tuple(self.link.key(k) for k in keys_))
            return [bytes(v) if v is not None else None for v in values or ()]

        return await self.link.call(
            "get", primary, lambda: self._fallback.get_many(*keys_)
        )

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        async def primary(client: Redis[bytes]) -> None:
            await self._sets.get((self.link.key(key), value, max(1, ttl_seconds)))

        async def fallback() -> None:
            await self._fallback.set(key, value, _fallback_ttl(key, ttl_seconds))

        await self.link.call("set", primary, fallback)

    async def _get_many(
        self, wanted: Sequence[tuple[str, ...]]
    ) -> Mapping[tuple[str, ...], list[Any]]:
        if len(wanted) == 1:
            return {wanted[0]: await self.link.client.mget(wanted[0])}
        async with self.link.client.pipeline(transaction=False) as pipe:
            for keys_ in wanted:
                pipe.mget(keys_)
            found: list[list[Any]] = await pipe.execute()
        return dict(zip(wanted, found, strict=True))

    async def _set_many(
        self, items: Sequence[tuple[str, bytes, int]]
    ) -> Mapping[tuple[str, bytes, int], None]:
        async with self.link.client.pipeline(transaction=False) as pipe:
            for key, value, ttl_seconds in items:
                pipe.set(key, value, px=ttl_seconds * 1000)
            await pipe.execute()
        return {}

    async def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        async def primary(client: Redis[bytes]) -> bool:
            px = max(1, ttl_seconds) * 1000
            return bool(await client.set(self.link.key(key), value, px=px, nx=True))

        async def fallback() -> bool:
            return await self._fallback.add(key, value, _fallback_ttl(key, ttl_seconds))

        return await self.link.call("set", primary, fallback)

    async def delete(self, *keys_: str) -> None:
        if not keys_:
            return

        async def primary(client: Redis[bytes]) -> None:
            await client.delete(*(self.link.key(k) for k in keys_))

        async def fallback() -> None:
            self._remember_deletes(keys_)

        await self._fallback.delete(*keys_)
        await self.link.call("delete", primary, fallback)

    async def incr(self, key: str, ttl_seconds: int) -> tuple[int, int]:
        async def primary(client: Redis[bytes]) -> tuple[int, int]:
            ttl_ms = max(1, ttl_seconds) * 1000
            count, left_ms = await self._incr(
                keys=[self.link.key(key)], args=[ttl_ms], client=client
            )
            return int(count), max(1, math.ceil(int(left_ms) / 1000))

        return await self.link.call(
            "incr", primary, lambda: self._fallback.incr(key, ttl_seconds)
        )

    async def check(self) -> None:
        try:
            await self.link.ping()
        except REDIS_ERRORS as exc:
            raise CacheError(f"Redis inacessível: {exc}") from exc

    async def clear_expired(self) -> int:
        # Redis expires keys by itself; only the local stand-in needs sweeping.
        return await self._fallback.clear_expired()

    async def flush(self) -> None:
        """Drop every key under this deployment's prefix (tests, resets)."""
        await self._fallback.close()
        await self._delete_matching(self.link.client, f"{self.link.prefix}:*")

    async def close(self) -> None:
        await self._fallback.close()
        if self._owns_link:
            await self.link.close()

    def _remember_deletes(self, keys_: tuple[str, ...]) -> None:
        if len(self._pending_deletes) + len(keys_) > _MAX_PENDING_DELETES:
            self._pending_families.update(_family(k) for k in keys_)
            self._pending_families.update(_family(k) for k in self._pending_deletes)
            self._pending_deletes.clear()
        else:
            self._pending_deletes.update(keys_)

    async def _resync(self, client: Redis[bytes]) -> None:
        """Catch Redis up with what happened while it was unreachable."""
        pending = list(self._pending_deletes)
        for start in range(0, len(pending), 500):
            await client.delete(
                *(self.link.key(k) for k in pending[start : start + 500])
            )
        for family in list(self._pending_families):
            await self._delete_matching(client, self.link.key(f"{family}:*"))
        self._pending_deletes.clear()
        self._pending_families.clear()
        # Local copies may have missed other instances' invalidations.
        await self._fallback.close()

    @staticmethod
    async def _delete_matching(client: Redis[bytes], pattern: str) -> None:
        batch: list[Any] = []
        async for name in client.scan_iter(match=pattern, count=500):
            batch.append(name)
            if len(batch) >= 500:
                await client.delete(*batch)
                batch.clear()
        if batch:
            await client.delete(*batch)


def _fallback_ttl(key: str, ttl_seconds: int) -> int:
    """A local stand-in of a family others may invalidate lives a few seconds."""
    if _family(key).partition(":")[2] in keys.INVALIDATED_FAMILIES:
        return min(ttl_seconds, _FALLBACK_MAX_TTL_SECONDS)
    return ttl_seconds


def _family(key: str) -> str:
    """``expotv:playlist:ABC123`` -> ``expotv:playlist``."""
    head, _, rest = key.partition(":")
    return f"{head}:{rest.partition(':')[0]}" if rest else head
