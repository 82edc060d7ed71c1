"""Pings not written yet, shared by every instance through Redis.

One sorted set, ``expotv:tv-pings``: member the TV id, score the ping's epoch
seconds. A ping costs no round trip: ``record`` keeps the newest ping of each TV in
memory and ``flush`` sends them every ``flush_seconds`` (1) in one pipelined round
trip (ZADD GT keeps the newest, and entries older than the offline delay go: they
cannot make a TV online any more), so another instance sees a ping within that
delay (this one sees it at once, from ``heartbeat.HeartbeatWriter``). The instance
that writes a batch removes what it wrote (a script compares scores, so a newer
ping from another instance stays). While Redis is down the pings wait for the next
flush (the newest of each TV, none older than the offline delay) and each instance
falls back to its own pending pings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from expotv.cache import keys
from expotv.cache.redis import RedisLink
from expotv.tasks import Periodic, log_failure

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
# Pings per ZADD (see ``flush``).
SEND_CHUNK = 500

# Remove each written ping unless a newer one replaced it meanwhile.
_FORGET_WRITTEN = """
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[i + 1]) then
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return 0
"""


def _at(score: float) -> datetime:
    return datetime.fromtimestamp(score, UTC)


class SharedPings:
    def __init__(
        self,
        link: RedisLink,
        *,
        keep_seconds: float,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self._link = link
        self._key = link.key(keys.tv_pings())
        self._keep_seconds = keep_seconds
        self._forget = link.client.register_script(_FORGET_WRITTEN)
        # tv id -> epoch seconds of its newest ping not sent yet.
        self._unsent: dict[int, float] = {}
        self._periodic = Periodic(
            self.flush,
            flush_seconds,
            failed=log_failure(log, "envio dos pings compartilhados"),
        )

    def record(self, tv_id: int, seen_at: datetime) -> None:
        """Remember a ping until the next ``flush`` (no round trip)."""
        score = seen_at.timestamp()
        if self._unsent.get(tv_id, 0.0) < score:
            self._unsent[tv_id] = score

    async def flush(self) -> None:
        """Send the pings recorded since the last flush (one round trip); while
        Redis fails they wait for the next one."""
        if not self._unsent:
            return
        batch, self._unsent = self._unsent, {}
        cutoff = time.time() - self._keep_seconds
        members = [(str(tv_id), score) for tv_id, score in batch.items()]

        async def primary(client: Redis[bytes]) -> bool:
            # A command per chunk: redis-py encodes a command in Python, holding
            # the event loop (100,000 TVs: 30 ms for one ZADD of every ping).
            for start in range(0, len(members), SEND_CHUNK):
                chunk = dict(members[start : start + SEND_CHUNK])
                await client.zadd(self._key, chunk, gt=True)  # type: ignore[arg-type]
            await client.zremrangebyscore(self._key, "-inf", cutoff)
            return True

        async def unreachable() -> bool:
            return False

        if await self._link.call("tv_ping_share", primary, unreachable):
            return
        for tv_id, score in batch.items():
            if score > cutoff and self._unsent.get(tv_id, 0.0) < score:
                self._unsent[tv_id] = score

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        """Stop the periodic flush and send what is left."""
        await self._periodic.stop()
        await self.flush()

    def reset(self) -> None:
        """Drop unsent pings (between tests)."""
        self._unsent.clear()

    async def written(self, beats: Iterable[tuple[int, datetime]]) -> None:
        args: list[Any] = []
        for tv_id, seen_at in beats:
            args += [str(tv_id), repr(seen_at.timestamp())]
        if not args:
            return

        async def primary(client: Redis[bytes]) -> None:
            await self._forget(keys=[self._key], args=args, client=client)

        await self._link.call("tv_ping_written", primary, _nothing)

    async def seen(self, tv_ids: Collection[int]) -> dict[int, datetime]:
        ids = sorted(tv_ids)
        if not ids:
            return {}

        async def primary(client: Redis[bytes]) -> dict[int, datetime]:
            scores: list[Any] = await client.zmscore(  # type: ignore[no-untyped-call]
                self._key, [str(i) for i in ids]
            )
            return {
                tv_id: _at(float(score))
                for tv_id, score in zip(ids, scores, strict=True)
                if score is not None
            }

        return await self._link.call("tv_ping_seen", primary, _empty)

    async def seen_since(self, since: datetime) -> dict[int, datetime]:
        async def primary(client: Redis[bytes]) -> dict[int, datetime]:
            rows = await client.zrangebyscore(
                self._key, since.timestamp(), "+inf", withscores=True
            )
            return {int(member): _at(float(score)) for member, score in rows}

        return await self._link.call("tv_ping_seen", primary, _empty)


async def _nothing() -> None:
    return None


async def _empty() -> dict[int, datetime]:
    return {}
