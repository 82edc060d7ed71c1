"""Who may look TV codes up: the guard against enumerating codes.

    unknown code      counted against the client address (a moving minute on the
                      one rate limiter); past ``tv_lookup_rate_per_minute`` the
                      address is blocked until the oldest counted miss leaves the
                      window (429 with Retry-After)
    blocked address   429 for every code it is not already playing, real or not,
                      cached or not: the answer never tells a real code apart
    already playing   the codes an address succeeded on lately keep working for it
                      while it is blocked: a building's TVs share one public
                      address with the residents' phones, and one curious resident
                      must not black out the lobby

Every public code lookup goes through here: the player page, content, ping and
the WebSocket (``PlaylistService.get``).

Where the state lives, so that it holds across instances and restarts: the shared
cache (Redis with several instances), next to the playlists.

    expotv:tv-blocked:{address}          the epoch second the block ends (TTL: the
                                         block); also kept in this process, so a
                                         blocked address's malformed codes cost no
                                         round trip at all
    expotv:tv-playing:{address}:{code}   the epoch second the address last
                                         succeeded on the code (TTL:
                                         ``playing_seconds``)

Both keys of a lookup are read in the same round trip as the playlist itself
(``Cache.get_many``: one MGET), so the guard costs the hot path no extra round
trip. The playing mark is written when an address first succeeds on a code and
then again only once it is half its TTL old: a TV polling every 30 s refreshes it
every 5 minutes (one SET), however often it asks. A long TTL costs nothing in
safety: the mark only lets an address keep reading a code it already read.

This process also remembers the marks it read or wrote (``plays``, at most
``_MAX_PLAYING`` pairs): a lookup whose mark it knows to be less than half its TTL
old is admitted as ``admit`` would admit it (a playing address is never refused
and its mark is not due), so a TV's repeated requests need not read the keys.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from expotv.cache import Cache, CacheError, keys
from expotv.cache.ratelimit import Quota, RateLimiter
from expotv.observability.metrics import CACHE_DEGRADED
from expotv.playlist.exceptions import TVLookupRateLimited

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
# A TV polls every 30 s and pings as often; ten minutes covers a reboot too.
MIN_PLAYING_SECONDS = 600
_MAX_REMEMBERED = 10_000
# (address, code) marks kept in this process: a fleet's TVs, each one address.
_MAX_PLAYING = 200_000


def playing_seconds_for(ping_interval_seconds: int) -> int:
    """How long an address keeps a code it succeeded on (several polls' worth)."""
    return max(MIN_PLAYING_SECONDS, 4 * ping_interval_seconds)


def _epoch(raw: bytes | None) -> float | None:
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Admission:
    """A lookup let through; ``mark_due``: the playing mark needs (re)writing."""

    client: str
    code: str
    mark_due: bool


class LookupGuard:
    def __init__(
        self,
        limiter: RateLimiter,
        cache: Cache,
        *,
        per_minute: int,
        playing_seconds: int = MIN_PLAYING_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._limiter = limiter
        self._cache = cache
        self._quota = Quota("tv-lookup", per_minute, WINDOW_SECONDS)
        self.playing_seconds = playing_seconds
        self._clock = clock
        # Blocks this process saw (its own, or read from the shared cache).
        self._blocked: dict[str, float] = {}
        # Playing marks this process saw, oldest first: (address, code) -> since.
        self._playing: dict[tuple[str, str], float] = {}

    @staticmethod
    def keys(client: str, code: str) -> tuple[str, str]:
        """What ``admit`` reads, fetched by the caller with the playlist."""
        return keys.tv_lookup_block(client), keys.tv_playing(client, code)

    def ensure_allowed(self, client: str) -> None:
        """Refuse a client this process knows is blocked (no round trip): for
        codes it cannot be playing, such as malformed ones."""
        left = self._left(client, None, self._clock())
        if left is not None:
            raise TVLookupRateLimited(retry_after=left)

    def plays(self, client: str, code: str) -> bool:
        """Whether ``admit`` would let ``client`` read ``code`` with no mark due,
        judged by the marks this process saw (no round trip)."""
        since = self._playing.get((client, code))
        return since is not None and not self._is_due(since, self._clock())

    def _is_due(self, since: float, now: float) -> bool:
        return now - since >= self.playing_seconds / 2

    def _saw_playing(self, client: str, code: str, since: float) -> None:
        pair = (client, code)
        self._playing.pop(pair, None)
        self._playing[pair] = since
        if len(self._playing) > _MAX_PLAYING:
            del self._playing[next(iter(self._playing))]

    def admit(
        self,
        client: str,
        code: str,
        *,
        blocked_until: bytes | None,
        playing_since: bytes | None,
    ) -> Admission:
        """Let the lookup of ``code`` through, or 429 while ``client`` is blocked
        and does not play ``code``. Takes the values of ``keys(client, code)``."""
        now = self._clock()
        since = _epoch(playing_since)
        if since is None:
            left = self._left(client, _epoch(blocked_until), now)
            if left is not None:
                raise TVLookupRateLimited(retry_after=left)
            return Admission(client, code, mark_due=True)
        is_due = self._is_due(since, now)
        if not is_due:
            self._saw_playing(client, code, since)
        return Admission(client, code, mark_due=is_due)

    async def record_success(self, admission: Admission) -> None:
        """The address got the code: it plays it (marked, when due)."""
        if not admission.mark_due:
            return
        key = keys.tv_playing(admission.client, admission.code)
        since = self._clock()
        try:
            await self._cache.set(key, repr(since).encode(), self.playing_seconds)
        except CacheError:
            CACHE_DEGRADED.labels("tv_playing_set").inc()
            return
        self._saw_playing(admission.client, admission.code, since)

    async def record_miss(self, client: str) -> None:
        """Count a lookup of a code that does not exist; 429 past the limit."""
        if await self._limiter.hit(self._quota, client):
            return
        retry_after = await self._limiter.retry_after(self._quota, client)
        until = self._clock() + retry_after
        self._remember(client, until)
        try:
            await self._cache.set(
                keys.tv_lookup_block(client), repr(until).encode(), retry_after
            )
        except CacheError:
            CACHE_DEGRADED.labels("tv_blocked_set").inc()
        raise TVLookupRateLimited(retry_after=retry_after)

    def _left(self, client: str, shared_until: float | None, now: float) -> int | None:
        """Whole seconds ``client`` stays blocked (None: it is not)."""
        until = self._blocked.get(client)
        if shared_until is not None and (until is None or shared_until > until):
            until = shared_until
            self._remember(client, until)
        if until is None:
            return None
        if until <= now:
            self._blocked.pop(client, None)
            return None
        return max(1, math.ceil(until - now))

    def _remember(self, client: str, until: float) -> None:
        self._blocked.pop(client, None)
        self._blocked[client] = until
        if len(self._blocked) > _MAX_REMEMBERED:
            now = self._clock()
            for stale in [c for c, end in self._blocked.items() if end <= now]:
                del self._blocked[stale]
            # Still over (many addresses blocked at once): forget the oldest; the
            # shared cache still holds their blocks, this copy only saves a read.
            while len(self._blocked) > _MAX_REMEMBERED:
                del self._blocked[next(iter(self._blocked))]

    def reset(self) -> None:
        self._blocked.clear()
        self._playing.clear()
