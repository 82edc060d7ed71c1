"""Serving playlists to TVs: cheap when cached, exact after changes, up in outages.

    get(code) ─┬─ blocked address, code it does not play ───────> 429
               ├─ own checked copy, address known to play it ───> entry (no I/O)
               ├─ shared cache hit (fresh) ─────────────────────> entry
               ├─ known-unknown code (negative cache) ──────────> 404 / 429
               ├─ build (one query set per code at a time) ─────> entry, cached
               └─ database down ─┬─ last-known copy ───────────> entry, stale
                                 └─ none ───────────────────────> 503

``PlaylistService`` only composes parts with one job each:

    PlaylistCache    (cache.py)        shared entries + this process's copies
    PlaylistLoader   (loader.py)       one TV's playlist from the database, its
                                       loads batched and its body shared with
                                       the TVs that play the same
    SingleFlight     (singleflight.py) one build per code at a time
    DatabaseBreaker  (breaker.py)      after a failure, copies for a while
    LookupGuard      (lookups.py)      unknown codes per address, 429; the
                                       codes each address already plays
    WatchedTVs       (watched.py)      TVs with a socket here, their nudges
    EdgeSchedule     (edges.py)        when each built playlist changes by itself;
                                       ``pass_edges`` (the playlist-edges job)
                                       invalidates the ones that are due

Invalidation (after a commit, ``invalidation.PlaylistInvalidator``, or announced
by another instance, ``fanout``) drops the fresh entries of exactly the affected
TVs, tells ``on_invalidated`` (the fan-out to other instances) unless it came from
one, and rebuilds the watched TVs so their sockets learn the new versao.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.cache import Cache
from expotv.cache.ratelimit import RateLimiter
from expotv.config import Settings
from expotv.db import utcnow
from expotv.observability.metrics import LOOKUPS
from expotv.playlist.answers import etag_matches
from expotv.playlist.breaker import DatabaseBreaker
from expotv.playlist.cache import FROM_MEMORY, Found, PlaylistCache, Served
from expotv.playlist.edges import EdgeSchedule, MemoryEdges
from expotv.playlist.exceptions import PlaylistUnavailable
from expotv.playlist.loader import Loaded, PlaylistLoader
from expotv.playlist.lookups import LookupGuard, playing_seconds_for
from expotv.playlist.singleflight import SingleFlight
from expotv.playlist.store import PlaylistEntry
from expotv.playlist.watched import WatchedTVs
from expotv.tvs.codes import CODE_LENGTH, normalize_code
from expotv.tvs.exceptions import TVNotFound
from expotv.tvs.heartbeat import Beat, HeartbeatWriter
from expotv.tvs.ping_limit import PingLimit

logger = logging.getLogger(__name__)

__all__ = ["PlaylistService", "Served"]

InvalidationObserver = Callable[[frozenset[str] | None], Awaitable[None]]

# A build slower than this answers from the last-known copy (the build goes on).
BUILD_TIMEOUT_SECONDS = 8.0
# Watched TVs rebuilt together after an invalidation (their loads are batched).
REFRESH_BATCH = 500


def _is_plausible(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isascii() and code.isalnum()


class PlaylistService:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: Cache,
        settings: Settings,
        limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] = utcnow,
        bodies_max_bytes: int | None = None,
        edges: EdgeSchedule | None = None,
    ) -> None:
        self.watched = WatchedTVs()
        self.edges: EdgeSchedule = edges or MemoryEdges()
        self.store = PlaylistCache(
            cache,
            bodies_max_bytes=(
                settings.playlist_bodies_max_bytes
                if bodies_max_bytes is None
                else bodies_max_bytes
            ),
            on_new_version=self._version_seen,
            on_unheard_change=self._unheard_change,
        )
        self.loader = PlaylistLoader(sessionmaker, settings)
        self.builds: SingleFlight[Loaded | None] = SingleFlight()
        self.breaker = DatabaseBreaker()
        self.lookups = LookupGuard(
            limiter or RateLimiter(),
            cache,
            per_minute=settings.tv_lookup_rate_per_minute,
            playing_seconds=playing_seconds_for(settings.tv_ping_interval_seconds),
        )
        self.build_timeout_seconds = BUILD_TIMEOUT_SECONDS
        self.on_invalidated: list[InvalidationObserver] = []
        self._clock = clock
        self._trust_seconds = settings.tv_content_trust_seconds
        self._tasks: set[asyncio.Task[Any]] = set()

    # Serving ---------------------------------------------------------------

    async def get(
        self,
        code: str,
        *,
        client: str,
        now: datetime,
        if_none_match: str | None = None,
        body: bool = True,
    ) -> Served:
        """The playlist of the TV ``code`` (any case), or TVNotFound / 429 / 503.

        Every public code lookup comes through here (player page, content, ping,
        WebSocket), so the lookup guard sees them all. The entry comes with its
        body unless ``body`` is False (a ping) or ``if_none_match`` already holds
        its versao (a 304): those need only the versao.
        """
        code = normalize_code(code)
        if not _is_plausible(code):
            self.lookups.ensure_allowed(client)
            await self.lookups.record_miss(client)
            raise TVNotFound()
        # One string per code and per address for every per-TV mark this process
        # keeps (lookup guard, ping cap, records): each request brings its own
        # copies, some 60 bytes each, kept per TV (MBs at 100,000 TVs).
        code, client = sys.intern(code), sys.intern(client)
        trusted = self.store.trusted(code, now.timestamp())
        if trusted is not None and self.lookups.plays(client, code):
            served = Served(trusted, source=FROM_MEMORY)
        else:
            blocked_key, playing_key = self.lookups.keys(client, code)
            found = await self.store.look_up(
                code, now.timestamp(), also=(blocked_key, playing_key)
            )
            admission = self.lookups.admit(
                client, code, blocked_until=found.also[0], playing_since=found.also[1]
            )
            served = await self._serve(code, found, client=client, now=now)
            await self.lookups.record_success(admission)
        LOOKUPS.add((served.source,))
        if not body or etag_matches(if_none_match, served.entry.version):
            return served
        return await self._with_body(code, served, client=client, now=now)

    async def _with_body(
        self, code: str, served: Served, *, client: str, now: datetime
    ) -> Served:
        entry = await self.store.with_body(served.entry)
        if entry is None and not served.is_stale:
            # Its shared part is gone, here and from the shared cache: build again.
            served = await self._build(code, client=client, now=now)
            entry = await self.store.with_body(served.entry)
        if entry is None:
            raise PlaylistUnavailable()
        return Served(entry, is_stale=served.is_stale, source=served.source)

    async def _serve(
        self, code: str, found: Found, *, client: str, now: datetime
    ) -> Served:
        if found.entry is not None:
            return Served(found.entry, source=found.source)
        if found.is_unknown:
            await self.lookups.record_miss(client)
            raise TVNotFound()
        return await self._build(code, client=client, now=now)

    async def _build(self, code: str, *, client: str, now: datetime) -> Served:
        if self.breaker.is_open:
            return self.store.fallback(code, now)
        try:
            entry = await asyncio.wait_for(
                asyncio.shield(self._build_once(code, now)),
                self.build_timeout_seconds,
            )
        except TimeoutError:
            # The build goes on (and fills the cache if it ends well), but a
            # database this slow is as good as down for the misses behind it.
            logger.warning("playlist build of %s timed out", code)
            self.breaker.record_failure()
            return self.store.fallback(code, now)
        except Exception as exc:
            # Every failure on the database path (see breaker.py).
            logger.warning("playlist build of %s failed: %r", code, exc)
            self.breaker.record_failure()
            return self.store.fallback(code, now)
        if entry is None:
            await self.lookups.record_miss(client)
            raise TVNotFound()
        return Served(entry)

    async def version(self, code: str, *, client: str, now: datetime) -> str | None:
        """The TV's current versao (None: unknown code), for the WebSocket hello.

        Raises like ``get`` otherwise (429 for an enumerating client, 503).
        """
        try:
            served = await self.get(code, client=client, now=now, body=False)
        except TVNotFound:
            return None
        return served.entry.version

    async def _build_once(self, code: str, now: datetime) -> PlaylistEntry | None:
        epoch = self.store.epoch
        loaded = await self.builds.run(code, lambda: self.loader.load(code, now))
        if loaded is None:
            await self.store.forget(code, epoch=epoch)
            return None
        is_current = await self.store.put(loaded.entry, loaded.ttl_seconds, epoch=epoch)
        if is_current and loaded.next_edge is not None:
            try:
                await self.edges.record(code, loaded.next_edge.timestamp())
            except Exception as exc:
                # The entry still goes stale at its edge; only the nudge is lost.
                logger.warning("could not record the next edge of %s: %r", code, exc)
        return loaded.entry

    async def pass_edges(self, now: datetime) -> int:
        """Invalidate the playlists whose next edge has come (every instance's,
        with a shared schedule): the playlist-edges job. Returns how many."""
        codes = await self.edges.pop_due(now.timestamp())
        if codes:
            await self.invalidate(codes)
        return len(codes)

    # Invalidation ----------------------------------------------------------

    async def invalidate(
        self,
        codes: Iterable[str] = (),
        *,
        all_tvs: bool = False,
        clear_unknown: Iterable[str] = (),
        deleted: Iterable[str] = (),
        local_only: bool = False,
    ) -> None:
        """Drop the fresh playlists of ``codes`` (or of every TV this process knows
        with ``all_tvs``).

        ``local_only``: the change was announced by another instance; it is applied
        here (shared entries of these codes dropped again, which is idempotent and
        covers a shared cache that came back with old entries) but not re-announced.
        """
        self.loader.forget()
        targets = await self.store.invalidate(
            codes, all_tvs=all_tvs, clear_unknown=clear_unknown, deleted=deleted
        )
        if not local_only:
            announced = None if all_tvs else frozenset(targets)
            for observer in self.on_invalidated:
                try:
                    await observer(announced)
                except Exception:
                    logger.exception("playlist invalidation observer failed")
        self._spawn(self._refresh_watched(None if all_tvs else targets))

    def trust_while(self, up_since: Callable[[float], float | None]) -> None:
        """Serve checked copies with no round trip while the invalidation channel
        delivers every instance's changes (``PubSub.up_since``, heard from within
        ``tv_content_trust_seconds``; see ``PlaylistCache.trusted``)."""
        seconds = self._trust_seconds
        if seconds > 0:
            self.store.trust_while(lambda: up_since(seconds))

    def _unheard_change(self) -> None:
        # A TV's shared entry was dropped by an invalidation this process did not
        # hear: the loads it kept may predate it.
        self.loader.forget()

    def known_codes(self) -> list[str]:
        return self.store.codes()

    # Watched TVs (connected WebSockets) ------------------------------------

    def watch(self, code: str) -> None:
        self.watched.watch(code)

    def unwatch(self, code: str) -> None:
        self.watched.unwatch(code)

    def _version_seen(self, code: str, version: str) -> None:
        if code in self.watched:
            self._spawn(self.watched.notify(code, version))

    async def _refresh_watched(self, codes: set[str] | None) -> None:
        """Rebuild the watched TVs' playlists so their sockets learn the new versao."""
        codes_left = list(self.watched.among(codes))
        for start in range(0, len(codes_left), REFRESH_BATCH):
            now = self._clock()
            chunk = codes_left[start : start + REFRESH_BATCH]
            # Together, so their TV rows and items load in a few shared queries.
            results = await asyncio.gather(
                *(self._refresh_one(code, now) for code in chunk),
                return_exceptions=True,
            )
            failed = [r for r in results if isinstance(r, Exception)]
            if failed:
                logger.warning("refresh of watched TVs stopped: %r", failed[0])
                return

    async def _refresh_one(self, code: str, now: datetime) -> None:
        # Another instance may have rebuilt it already (shared cache).
        if await self.store.fresh(code, now.timestamp()) is None:
            await self._build_once(code, now)

    # Lifecycle and test hooks ----------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for background refreshes, builds and notifications (tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.builds.drain()
        await self.loader.drain()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def reset(self) -> None:
        """Forget every in-process copy, block and breaker (between tests)."""
        self.store.reset()
        self.loader.forget()
        self.lookups.reset()
        self.breaker.reset()
        if isinstance(self.edges, MemoryEdges):
            self.edges.clear()


async def record_ping(
    playlists: PlaylistService,
    heartbeats: HeartbeatWriter,
    code: str,
    *,
    client: str,
    now: datetime,
    limit: PingLimit | None = None,
    app_version: str | None = None,
    resolution: str | None = None,
) -> Served:
    """A TV's heartbeat: remembered in memory (written in batches), answered with
    the TV's current versao. ``limit``: pings per code (429 past it, nothing
    written)."""
    served = await playlists.get(code, client=client, now=now, body=False)
    if limit is not None:
        limit.hit(served.entry.code)
    await heartbeats.record(
        served.entry.tv_id, Beat(now, app_version=app_version, resolution=resolution)
    )
    return served
