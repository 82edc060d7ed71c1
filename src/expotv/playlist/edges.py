"""When cached playlists change by themselves: one schedule of edges, one job.

A playlist built at ``now`` knows its next edge (``valido_ate``: a start, an
expiry, a window opening or closing). Its cache entry goes stale at that instant,
so a TV polling afterwards gets the new playlist; a TV on a WebSocket must be told.
Rather than one timer per TV per instance, every build records ``code -> edge`` in
one schedule, and the ``playlist-edges`` job pops the codes that are due and
invalidates them through the normal path (shared entries dropped, other instances
told, watched TVs rebuilt and nudged):

    RedisEdges    a sorted set shared by every instance (score: the edge's epoch
                  seconds); the job runs once per period across instances (the
                  scheduler's lock) and pops atomically, so a due code is handled
                  once. While Redis is down, records and pops fall back to this
                  process's own heap.
    MemoryEdges   this process's heap (no Redis): the job runs in every process
                  that schedules jobs (``shared`` is False), each over its own
                  builds.

A code recorded again replaces its earlier edge: the latest build knows best.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from redis.asyncio import Redis

from expotv.batching import Batcher
from expotv.cache import Cache, keys
from expotv.cache.redis import RedisCache, RedisLink

log = logging.getLogger(__name__)

# Codes handled per pop: a burst beyond it waits for the next period.
POP_LIMIT = 1000

# Pop what is due, atomically: two leaders after a lock hand-over never both pop one.
_POP_SCRIPT = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #due > 0 then
  redis.call('ZREM', KEYS[1], unpack(due))
end
return due
"""


class EdgeSchedule(Protocol):
    # True when every instance records into this one schedule.
    shared: bool

    async def record(self, code: str, at: float) -> None:
        """``code``'s playlist changes by itself at ``at`` (epoch seconds)."""

    async def pop_due(self, now: float) -> list[str]:
        """The codes whose edge is at or before ``now``, removed."""


class MemoryEdges:
    shared = False

    def __init__(self) -> None:
        self._heap: list[tuple[float, str]] = []
        # The current edge of each code; heap entries that differ are outdated.
        self._edges: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._edges)

    async def record(self, code: str, at: float) -> None:
        if self._edges.get(code) == at:
            return
        self._edges[code] = at
        heapq.heappush(self._heap, (at, code))
        if len(self._heap) > 2 * len(self._edges) + 64:
            # Replaced edges pile up in the heap: keep only the current ones.
            self._heap = [(a, c) for c, a in self._edges.items()]
            heapq.heapify(self._heap)

    async def pop_due(self, now: float) -> list[str]:
        due: list[str] = []
        while self._heap and self._heap[0][0] <= now and len(due) < POP_LIMIT:
            at, code = heapq.heappop(self._heap)
            if self._edges.get(code) == at:
                del self._edges[code]
                due.append(code)
        return due

    def clear(self) -> None:
        self._heap.clear()
        self._edges.clear()


class RedisEdges:
    shared = True

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._key = link.key(keys.playlist_edges())
        self._pop = link.client.register_script(_POP_SCRIPT)
        self._local = MemoryEdges()
        # The edges recorded in one loop turn (a burst of builds): one ZADD.
        self._adds: Batcher[tuple[str, float], None] = Batcher(
            self._add_many, window_seconds=0
        )

    async def record(self, code: str, at: float) -> None:
        async def primary(client: Redis[bytes]) -> None:
            await self._adds.get((code, at))

        await self._link.call(
            "edge_record", primary, lambda: self._local.record(code, at)
        )

    async def _add_many(
        self, edges: Sequence[tuple[str, float]]
    ) -> Mapping[tuple[str, float], None]:
        await self._link.client.zadd(self._key, dict(edges))
        return {}

    async def pop_due(self, now: float) -> list[str]:
        async def primary(client: Redis[bytes]) -> list[str]:
            due: Iterable[Any] = await self._pop(
                keys=[self._key], args=[repr(now), POP_LIMIT], client=client
            )
            return [_text(code) for code in due]

        async def fallback() -> list[str]:
            return []

        popped = await self._link.call("edge_pop", primary, fallback)
        # Recorded here while Redis was down.
        return [*popped, *await self._local.pop_due(now)]

    async def clear(self) -> None:
        self._local.clear()
        await self._link.client.delete(self._key)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def create_edges(cache: Cache) -> EdgeSchedule:
    """Shared with the instances that share the cache, else this process's own."""
    if isinstance(cache, RedisCache):
        return RedisEdges(cache.link)
    return MemoryEdges()
