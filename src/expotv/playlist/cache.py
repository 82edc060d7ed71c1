"""Where built playlists live: the shared cache and this process's copies.

    shared cache   ``expotv.cache`` (in-process, or Redis shared by the instances):
                   each TV's entry already serialized (``store.encode``: its
                   versao and the head of its body) and the shared rest of the
                   bodies once per content (``keys.playlist_tail``), so a hit
                   costs no database round trip and no JSON encoding; and each
                   entry's head (``store.head``, some 90 bytes): a hit reads the
                   head and answers from this process's record of those very
                   bytes, fetching the entry only when it lacks them (a build of
                   another instance); plus the "unknown code" entries (a short
                   negative cache)
    last known     per process (``store.LastKnown``): the last entry built or seen
                   per code, a few hundred bytes each, kept past invalidations as
                   the fallback while the database is down
    tails          per process (``store.Tails``): the shared parts of bodies within
                   ``bodies_max_bytes``; a 200 whose tail was evicted reads it
                   from the shared cache (``with_body``)

An invalidation bumps ``epoch``: a build that started before it is not stored as
current (it may predate the change).

A hit asks the shared cache nothing at all (``trusted``) when this process's copy
is current and was checked against the shared head (or stored by this process)
while the invalidation channel has been up without a gap (``trust_while``): every
change is announced on that channel after its shared entries are dropped, and
this process marks its copy outdated when it hears it. A channel down, silent
past its bound, or reconnected since the check (messages may have been lost)
makes every hit read the head as before.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from expotv.cache import Cache, CacheError, keys
from expotv.config import PLAYLIST_BODIES_MAX_BYTES
from expotv.observability.metrics import CACHE_DEGRADED, TAILS
from expotv.playlist.exceptions import PlaylistUnavailable
from expotv.playlist.store import (
    LastKnown,
    PlaylistEntry,
    Tail,
    Tails,
    TVRecord,
    encode,
    head,
)
from expotv.playlist.store import decode as decode_entry
from expotv.tvs.codes import normalize_code

logger = logging.getLogger(__name__)

UNKNOWN_TV_TTL_SECONDS = 30
# TV records one process keeps (some 630 bytes each with their prefix).
LAST_KNOWN_MAX_RECORDS = 250_000
DELETE_CHUNK = 1000

# Where a served playlist came from (``expotv_playlist_lookups_total{source}``).
FROM_MEMORY = "memory"
FROM_CHECKED = "checked"
FROM_SHARED = "shared"
FROM_BUILD = "built"
FROM_LAST_KNOWN = "last_known"


@dataclass(frozen=True, slots=True)
class Found:
    """What the shared cache holds for one code (see ``PlaylistCache.look_up``)."""

    entry: PlaylistEntry | None
    is_unknown: bool
    also: list[bytes | None]
    # FROM_CHECKED, FROM_SHARED, or FROM_MEMORY when the shared cache failed.
    source: str = FROM_CHECKED


@dataclass(frozen=True, slots=True)
class Served:
    entry: PlaylistEntry
    # True when answered from the last-known copy because the database is down.
    is_stale: bool = False
    source: str = FROM_BUILD


class PlaylistCache:
    def __init__(
        self,
        cache: Cache,
        *,
        bodies_max_bytes: int = PLAYLIST_BODIES_MAX_BYTES,
        last_known_max_records: int = LAST_KNOWN_MAX_RECORDS,
        on_new_version: Callable[[str, str], None] | None = None,
        on_unheard_change: Callable[[], None] | None = None,
    ) -> None:
        self._cache = cache
        self._last_known = LastKnown(last_known_max_records)
        self._tails = Tails(bodies_max_bytes)
        self._on_new_version = on_new_version
        self._on_unheard_change = on_unheard_change
        self._channel_up_since: Callable[[], float | None] = _never
        # Bumped by every invalidation: a build that overlapped one is not cached.
        self.epoch = 0

    def trust_while(self, channel_up_since: Callable[[], float | None]) -> None:
        """Answer hits from this process's copies checked since
        ``channel_up_since()`` (``time.monotonic``): since when the invalidation
        channel has delivered every instance's changes; None: it does not now."""
        self._channel_up_since = channel_up_since

    def trusted(self, code: str, now_ts: float) -> PlaylistEntry | None:
        """``code``'s entry with no round trip, when this process's copy may be
        served as current (see the module's docstring); else None."""
        record = self._last_known.get(code)
        if record is None or not record.is_current or not record.is_fresh(now_ts):
            return None
        since = self._channel_up_since()
        if since is None or record.checked_at < since:
            return None
        return record.entry

    def __contains__(self, code: object) -> bool:
        """A code this process has served (its copy is kept)."""
        return code in self._last_known

    def codes(self) -> list[str]:
        return self._last_known.codes()

    async def fresh(self, code: str, now_ts: float) -> PlaylistEntry | None:
        """The current shared entry of ``code``, if any and still valid."""
        return (await self.look_up(code, now_ts)).entry

    async def look_up(
        self, code: str, now_ts: float, *, also: Sequence[str] = ()
    ) -> Found:
        """``code``'s fresh entry and whether it is a known-unknown code, plus the
        values of the keys ``also`` (the lookup guard's), in one round trip."""
        epoch, checked_at = self.epoch, time.monotonic()
        try:
            raw_head, unknown, *extra = await self._cache.get_many(
                keys.playlist_head(code), keys.unknown_tv(code), *also
            )
            # An invalidation heard meanwhile may postdate what was read.
            checked_at = checked_at if epoch == self.epoch else float("-inf")
            held, entry = self._held(code, raw_head, now_ts, checked_at)
            source = FROM_CHECKED
            if raw_head is not None and not held:
                # Bytes built elsewhere (or evicted here): fetched once.
                raw = await self._cache.get(keys.playlist(code))
                entry = self._current(code, raw, now_ts, checked_at)
                source = FROM_SHARED
        except CacheError:
            CACHE_DEGRADED.labels("playlist_get").inc()
            record = self._last_known.get(code)
            entry = None
            if record and record.is_current and record.is_fresh(now_ts):
                entry = record.entry
            return Found(
                entry, is_unknown=False, also=[None] * len(also), source=FROM_MEMORY
            )
        return Found(entry, is_unknown=unknown is not None, also=extra, source=source)

    def _held(
        self, code: str, raw_head: bytes | None, now_ts: float, checked_at: float
    ) -> tuple[bool, PlaylistEntry | None]:
        """Whether this process holds the bytes ``raw_head`` names, and then the
        entry if still fresh."""
        record = self._last_known.get(code)
        if record is None:
            return False, None
        if record.head != raw_head:
            if record.is_current:
                # Changed elsewhere and this process was not told (an announcement
                # lost, the channel down): what it kept may predate the change.
                self._last_known.mark(code, is_current=False)
                if self._on_unheard_change is not None:
                    self._on_unheard_change()
            return False, None
        # The shared cache says these very bytes are current.
        self._last_known.mark(code, is_current=True, checked_at=checked_at)
        return True, record.entry if record.is_fresh(now_ts) else None

    def _current(
        self, code: str, raw: bytes | None, now_ts: float, checked_at: float
    ) -> PlaylistEntry | None:
        if raw is None:
            return None
        entry = decode_entry(code, raw)
        if entry is None:
            return None
        # Built by another instance: keep it as this process's fallback too.
        self._remember(entry, is_current=True, checked_at=checked_at)
        return entry if entry.is_fresh(now_ts) else None

    async def with_body(self, entry: PlaylistEntry) -> PlaylistEntry | None:
        """``entry`` with its body: the tail this process holds, or the shared
        cache's; None when neither has it any more."""
        if entry.tail is not None:
            return entry
        tail = self._tails.get(entry.tail_id)
        if tail is not None:
            TAILS.add((FROM_MEMORY,))
            return entry.with_tail(tail)
        try:
            data = await self._cache.get(keys.playlist_tail(entry.tail_id))
        except CacheError:
            CACHE_DEGRADED.labels("playlist_get").inc()
            return None
        if data is None or len(entry.prefix) + len(data) != entry.size:
            return None
        TAILS.add((FROM_SHARED,))
        return entry.with_tail(self._tails.put(Tail(data, entry.tail_id)))

    def fallback(self, code: str, now: datetime) -> Served:
        """The last known copy (stale unless still current), or 503."""
        record = self._last_known.get(code)
        if record is None:
            raise PlaylistUnavailable()
        is_fresh = record.is_current and record.is_fresh(now.timestamp())
        return Served(record.entry, is_stale=not is_fresh, source=FROM_LAST_KNOWN)

    async def put(self, entry: PlaylistEntry, ttl: float, *, epoch: int) -> bool:
        """Keep a built entry (with its tail): shared and current unless an
        invalidation came after ``epoch`` (then only as this process's fallback).
        True if current."""
        assert entry.tail is not None, "a built entry has its body"
        tail = self._tails.put(entry.tail)
        is_current = epoch == self.epoch
        stored_at = time.monotonic()
        if is_current:
            await self._store(entry, tail, ttl)
            # An invalidation may have landed while the entry was being written.
            if epoch != self.epoch:
                is_current = False
                await self._delete(_entry_keys(entry.code))
        self._remember(
            entry,
            is_current=is_current,
            checked_at=stored_at if is_current else float("-inf"),
        )
        return is_current

    async def forget(self, code: str, *, epoch: int) -> None:
        """No TV has ``code``: no fallback, and a short "unknown" entry unless a TV
        was created meanwhile (its invalidation bumped the epoch)."""
        self._last_known.pop(code)
        if epoch == self.epoch:
            try:
                await self._cache.set(
                    keys.unknown_tv(code), b"1", UNKNOWN_TV_TTL_SECONDS
                )
            except CacheError:
                CACHE_DEGRADED.labels("tv_unknown_set").inc()

    async def invalidate(
        self,
        codes: Iterable[str],
        *,
        all_tvs: bool = False,
        clear_unknown: Iterable[str] = (),
        deleted: Iterable[str] = (),
    ) -> set[str]:
        """Drop the fresh entries of ``codes`` (every known one with ``all_tvs``);
        returns the codes dropped. ``deleted`` codes lose their fallback too."""
        self.epoch += 1
        targets = {normalize_code(code) for code in codes}
        for code in deleted:
            self._last_known.pop(code)
        self._last_known.mark_outdated(None if all_tvs else targets)
        if all_tvs:
            targets.update(self._last_known.codes())
        doomed = [key for code in sorted(targets) for key in _entry_keys(code)]
        doomed += [keys.unknown_tv(code) for code in clear_unknown]
        await self._delete(doomed)
        return targets

    async def _store(self, entry: PlaylistEntry, tail: Tail, ttl: float) -> None:
        seconds = max(1, math.ceil(ttl))
        try:
            # The tail first, then the entry: a reader that sees the head can
            # fetch both. A tail is written once per process and lifetime.
            if tail.shared_until < entry.valid_until:
                await self._cache.set(keys.playlist_tail(tail.id), tail.data, seconds)
                tail.shared_until = entry.valid_until
            await self._cache.set(keys.playlist(entry.code), encode(entry), seconds)
            await self._cache.set(keys.playlist_head(entry.code), head(entry), seconds)
        except CacheError:
            CACHE_DEGRADED.labels("playlist_set").inc()

    async def _delete(self, cache_keys: list[str]) -> None:
        try:
            for start in range(0, len(cache_keys), DELETE_CHUNK):
                await self._cache.delete(*cache_keys[start : start + DELETE_CHUNK])
        except CacheError:
            CACHE_DEGRADED.labels("playlist_delete").inc()

    def _remember(
        self,
        entry: PlaylistEntry,
        *,
        is_current: bool,
        checked_at: float = float("-inf"),
    ) -> None:
        record = TVRecord.of(entry, is_current, checked_at=checked_at)
        previous = self._last_known.put(record)
        if (
            self._on_new_version is not None
            and previous is not None
            and previous.version != entry.version
        ):
            self._on_new_version(entry.code, entry.version)

    def reset(self) -> None:
        """Forget every copy of this process (between tests)."""
        self.epoch += 1
        self._last_known.clear()
        self._tails.clear()


def _never() -> float | None:
    return None


def _entry_keys(code: str) -> list[str]:
    return [keys.playlist(code), keys.playlist_head(code)]
