"""How often one TV code may ping (``EXPOTV_PING_MAX_PER_CODE_PER_MINUTE``).

A TV pings every ``intervalo_ping`` seconds (30), and once more when its page
loads. Past the limit in any minute (a moving window, counted by every instance
together) a ping answers 429 with Retry-After and writes nothing. With a limit of
0 it is off and costs nothing.

A ping costs no Redis round trip. Each instance counts the pings it accepted in
memory (a moving window per code) and, every ``sync_seconds`` (1), sends what it
accepted since its last sync to Redis in one round trip (one script for every
code pinged meanwhile) and reads back each of those codes' count over all
instances::

    ping ─> hit(code): local window + remote count known at the last sync < cap?
              yes: counted here (and queued for the next sync)   no: 429
    every second ─> sync(): ZADD this instance's new pings, trim the window,
                    ZCARD ─> remote count = all instances' count - this one's

How far the cap may be exceeded: an instance does not know the pings the others
accepted since its last sync, so over all instances one code may get, in any
minute, the cap plus what the other instances accepted within one sync interval
(the round trip included): at most the cap once per other instance, in the first
interval of a flood, plus the others' count below half the cap, which is not
kept (see Memory). From then on every sync also asks for the count of each code
at half the cap or more (pinged here since or not), so the flood is held to the
cap everywhere while it lasts. A TV that talks to
one instance (the usual case, and always with one instance) is held to the cap
exactly. A legitimate TV (2 or 3 pings a minute against 12) never comes near it.

Redis down, slow or refusing: the sync fails in the background (bounded by the
link's socket timeout, it never delays a ping) and the pings it carried wait for
the next one (those older than the window are dropped; a retried ping is
idempotent: each is one sorted-set member named by this instance and a sequence
number). Meanwhile each instance holds each code to the cap on its own count plus
the remote count it last knew, which ages out with the window.

Memory: the pings of the last minute of each code pinged here, about 200 bytes a
code (19 MiB for 100,000 TVs pinging every 30 s, measured with tracemalloc), plus
the others' count of the codes at half the cap or more over all instances. Below
half the cap the others' count is not kept: with several workers every TV pings
them all, and keeping each code's count cost each worker another 19 MB at
100,000 TVs, for codes nowhere near the cap. Each code's pings are a
tuple of numbers, replaced on every ping, not a list: CPython's collector stops
tracking a tuple of numbers, and 100,000 lists made every full collection walk
them (pauses of 50-100 ms at 100,000 TVs, issue #15).

Why not the ``limits`` library here (``cache.ratelimit`` uses it): it has no batch
operation over many keys (each code would be a round trip of its own, which is
what this replaces), and its in-memory storage sweeps every key on a timer (the
async one with a thread hop per key), which with 100,000 codes costs more than
the plain lists below.
"""

from __future__ import annotations

import bisect
import logging
import math
import secrets
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from expotv.cache import keys
from expotv.cache.redis import RedisLink
from expotv.tasks import Periodic, log_failure
from expotv.tvs.exceptions import TVPingRateLimited

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
SYNC_SECONDS = 1.0
# Codes per script call. Encoding a call's arguments holds the event loop (redis-py
# packs them in Python): 256 codes keep each hold to a couple of milliseconds,
# where 2,000 held requests for 15-30 ms at 100,000 TVs (issue #15).
SYNC_CHUNK = 256

# KEYS: one sorted set per code. ARGV: since (scores at or below it leave the
# window), the key's TTL in seconds, this instance's tag, then per key the number
# of new pings n, and n pairs (sequence number, epoch seconds). Returns each key's
# count in the window, over all instances.
_SYNC = """
local since = ARGV[1]
local ttl = tonumber(ARGV[2])
local tag = ARGV[3]
local at = 4
local counts = {}
for i = 1, #KEYS do
  local n = tonumber(ARGV[at])
  at = at + 1
  for _ = 1, n do
    redis.call('ZADD', KEYS[i], ARGV[at + 1], tag .. ARGV[at])
    at = at + 2
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', since)
  counts[i] = redis.call('ZCARD', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ttl)
end
return counts
"""


# A code's pings to sync: (sequence, epoch seconds), oldest first.
_Pings = tuple[tuple[int, float], ...]


class PingLimit:
    """The per-code ping cap of one process (``hit`` on every ping, ``run`` in the
    background while it serves; see the module docstring)."""

    def __init__(
        self,
        *,
        per_minute: int,
        link: RedisLink | None = None,
        sync_seconds: float = SYNC_SECONDS,
        window_seconds: int = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = per_minute
        self.window_seconds = window_seconds
        self.sync_seconds = sync_seconds
        self._link = link
        self._clock = clock
        # Epoch seconds of the pings accepted here within the window, oldest first.
        self._accepted: dict[str, tuple[float, ...]] = {}
        # Pings accepted here and not synced yet: code -> ((sequence, epoch s), ...).
        self._unsynced: dict[str, _Pings] = {}
        # The other instances' count at the last sync: code -> (count, synced at).
        self._remote: dict[str, tuple[int, float]] = {}
        # Codes at half the cap or more: every sync asks for their count, new
        # pings here or not (a flood spread over instances is seen everywhere).
        self._near: set[str] = set()
        self._near_count = max(1, per_minute // 2)
        self._sequence = 0
        self._tag = secrets.token_hex(4) + ":"
        self._next_sweep = 0.0
        self._periodic = Periodic(
            self.sync, sync_seconds, failed=log_failure(log, "sincronização dos pings")
        )
        self._script: Any = None
        if link is not None:
            self._key_prefix = link.key(keys.ping_count_prefix())
            self._script = link.client.register_script(_SYNC)

    @property
    def is_enabled(self) -> bool:
        return self.limit > 0

    def hit(self, code: str) -> None:
        """Count one ping of ``code``; 429 past the limit (not counted then)."""
        if self.limit <= 0:
            return
        now = self._clock()
        since = now - self.window_seconds
        accepted = self._accepted.get(code, ())
        if accepted and accepted[0] <= since:
            accepted = accepted[bisect.bisect_right(accepted, since) :]
        remote = self._remote.get(code)
        others = remote[0] if remote is not None and remote[1] > since else 0
        if len(accepted) + others >= self.limit:
            self._accepted[code] = accepted
            self._near.add(code)
            raise TVPingRateLimited(retry_after=self._retry_after(accepted, now))
        accepted = self._accepted[code] = (*accepted, now)
        if len(accepted) + others >= self._near_count:
            self._near.add(code)
        if self._link is not None:
            self._sequence += 1
            ping = (self._sequence, now)
            self._unsynced[code] = (*self._unsynced.get(code, ()), ping)

    def _retry_after(self, accepted: tuple[float, ...], now: float) -> int:
        """Whole seconds until this instance's oldest counted ping leaves the window
        (1 at least, the window at most)."""
        if not accepted:
            return self.window_seconds
        seconds = math.ceil(accepted[0] + self.window_seconds - now)
        return min(max(1, seconds), self.window_seconds)

    # -- with the other instances -------------------------------------------------

    async def sync(self) -> None:
        """Send the pings accepted since the last sync, learn the others' counts
        (one round trip; Redis failing: kept for the next one)."""
        now = self._clock()
        self._sweep(now)
        if self._link is None or not (self._unsynced or self._near):
            return
        batch, self._unsynced = self._unsynced, {}
        codes = list(batch) + [code for code in self._near if code not in batch]
        since = now - self.window_seconds
        for start in range(0, len(codes), SYNC_CHUNK):
            chunk = codes[start : start + SYNC_CHUNK]
            if not await self._sync_chunk(chunk, batch, now, since):
                self._put_back(
                    {c: batch[c] for c in codes[start:] if c in batch}, since
                )
                return

    async def _sync_chunk(
        self,
        codes: list[str],
        batch: dict[str, _Pings],
        now: float,
        since: float,
    ) -> bool:
        assert self._link is not None
        args: list[Any] = [repr(since), self.window_seconds + 1, self._tag]
        for code in codes:
            pings = batch.get(code, ())
            args.append(len(pings))
            for sequence, at in pings:
                args += [sequence, repr(at)]
        # This instance's share of each count, as sent (later pings go next time).
        mine = [self._count(code, since) for code in codes]
        script = self._script
        names = [self._key_prefix + code for code in codes]

        async def primary(client: Redis[bytes]) -> list[int] | None:
            counts: list[int] = await script(keys=names, args=args, client=client)
            return counts

        async def unreachable() -> None:
            return None

        counts = await self._link.call("tv_ping_sync", primary, unreachable)
        if counts is None:
            return False
        for code, count, own in zip(codes, counts, mine, strict=True):
            others = int(count) - own
            if others > 0 and own + others >= self._near_count:
                self._remote[code] = (others, now)
            else:
                self._remote.pop(code, None)
            if own + max(others, 0) < self._near_count:
                self._near.discard(code)
        return True

    def _count(self, code: str, since: float) -> int:
        accepted = self._accepted.get(code, ())
        return len(accepted) - bisect.bisect_right(accepted, since)

    def _put_back(self, batch: dict[str, _Pings], since: float) -> None:
        """Unsent pings wait for the next sync (newer ones after them); those that
        have left the window are dropped."""
        for code, pings in batch.items():
            kept = tuple(ping for ping in pings if ping[1] > since)
            newer = self._unsynced.get(code)
            if newer:
                kept += newer
            if kept:
                self._unsynced[code] = kept
            else:
                self._unsynced.pop(code, None)

    def _sweep(self, now: float) -> None:
        """Once per window: forget codes with nothing left in it."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window_seconds
        since = now - self.window_seconds
        for code in [
            c for c, ping in self._accepted.items() if not ping or ping[-1] <= since
        ]:
            del self._accepted[code]
        for code in [c for c, (_, at) in self._remote.items() if at <= since]:
            del self._remote[code]
        self._near.intersection_update(self._accepted)

    def start(self) -> None:
        if self.is_enabled:
            self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()

    def reset(self) -> None:
        """Forget every count (between tests; Redis keys go with the cache)."""
        self._accepted.clear()
        self._unsynced.clear()
        self._remote.clear()
        self._near.clear()
