"""Pings not written yet, shared by every instance through Redis.

One sorted set, ``expotv:tv-pings``: member the TV id, score the ping's epoch
seconds. A ping costs one pipelined round trip (ZADD GT keeps the newest, and
entries older than the offline delay go: they cannot make a TV online any more).
The instance that writes a batch removes what it wrote (a script compares scores,
so a newer ping from another instance stays). While Redis is down each instance
falls back to its own pending pings (``heartbeat.HeartbeatWriter``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from expotv.cache import keys
from expotv.cache.redis import RedisLink

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
    def __init__(self, link: RedisLink, *, keep_seconds: float) -> None:
        self._link = link
        self._key = link.key(keys.tv_pings())
        self._keep_seconds = keep_seconds
        self._forget = link.client.register_script(_FORGET_WRITTEN)

    async def record(self, tv_id: int, seen_at: datetime) -> None:
        score = seen_at.timestamp()

        async def primary(client: Redis[bytes]) -> None:
            async with client.pipeline(transaction=False) as pipe:
                pipe.zadd(self._key, {str(tv_id): score}, gt=True)
                pipe.zremrangebyscore(self._key, "-inf", score - self._keep_seconds)
                await pipe.execute()

        await self._link.call("tv_ping_share", primary, _nothing)

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
