"""Serving playlists to TVs: cheap when cached, exact after changes, up in outages.

    get(code) ─┬─ shared cache hit (fresh) ─────────────────────> entry
               ├─ known-unknown code (negative cache) ──────────> 404 / 429
               ├─ build (one query set per code at a time) ─────> entry, cached
               └─ database down ─┬─ last-known copy ───────────> entry, stale
                                 └─ none ───────────────────────> 503

The shared cache (``expotv.cache``: in-process, or Redis with several instances)
holds each TV's response body already serialized, so a hit costs no database round
trip and no JSON encoding. Invalidation (after commit, see ``invalidation``) deletes
the fresh entries of exactly the affected TVs; the per-process last-known copy
survives it, as the fallback for a database outage.

Hooks for the realtime layer (the WebSocket hub and the fan-out between instances):

- ``on_invalidated``: called with the invalidated codes (``None``: every TV) after a
  local invalidation; another instance applies it with ``invalidate(...,
  local_only=True)``.
- ``on_version_changed``: called with ``(code, versao)`` when a *watched* TV's
  version changes (``watch``/``unwatch`` around a WebSocket connection).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.cache import Cache, CacheError, keys
from expotv.config import Settings
from expotv.content import ContentStatus, MediaKind
from expotv.db import utcnow
from expotv.observability.metrics import CACHE_DEGRADED
from expotv.playlist import repository
from expotv.playlist.builder import ItemKind, PlaylistItem, Ratios, TVInfo, render
from expotv.playlist.exceptions import PlaylistUnavailable, TVLookupRateLimited
from expotv.playlist.invalidation import PendingChanges
from expotv.playlist.store import LastKnown, LocalRecord, PlaylistEntry, encode
from expotv.playlist.store import decode as decode_entry
from expotv.tvs.codes import CODE_LENGTH, normalize_code
from expotv.tvs.exceptions import TVNotFound
from expotv.tvs.heartbeat import HeartbeatWriter

logger = logging.getLogger(__name__)

VersionObserver = Callable[[str, str], Awaitable[None]]
InvalidationObserver = Callable[[frozenset[str] | None], Awaitable[None]]

# Errors that mean "the database cannot answer now", as opposed to a bug.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    SQLAlchemyError,
    OSError,
    EOFError,
    TimeoutError,
)

UNKNOWN_TV_TTL_SECONDS = 30
RATE_WINDOW_SECONDS = 60
# After a failed build, misses answer from the last-known copies for this long
# instead of each waiting for the database to fail again.
DB_RETRY_SECONDS = 2.0
# A build slower than this answers from the last-known copy (the build goes on).
BUILD_TIMEOUT_SECONDS = 8.0
LAST_KNOWN_MAX_BYTES = 256 * 1024 * 1024
DELETE_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Served:
    entry: PlaylistEntry
    # True when answered from the last-known copy because the database is down.
    is_stale: bool = False


def _is_plausible(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isascii() and code.isalnum()


class PlaylistService:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: Cache,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        last_known_max_bytes: int = LAST_KNOWN_MAX_BYTES,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._cache = cache
        self._cache_seconds = settings.playlist_cache_seconds
        self._rate_per_minute = settings.tv_lookup_rate_per_minute
        self._max_news = settings.playlist_max_news
        self._clock = clock
        self._last_known = LastKnown(last_known_max_bytes)
        # Bumped by every invalidation: a build that overlapped one is not cached.
        self._epoch = 0
        self._inflight: dict[str, asyncio.Future[PlaylistEntry | None]] = {}
        self._blocked: dict[str, float] = {}
        self._watched: Counter[str] = Counter()
        self._db_down_until = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        self.db_retry_seconds = DB_RETRY_SECONDS
        self.build_timeout_seconds = BUILD_TIMEOUT_SECONDS
        self.on_version_changed: list[VersionObserver] = []
        self.on_invalidated: list[InvalidationObserver] = []

    # Serving ---------------------------------------------------------------

    async def get(self, code: str, *, client: str, now: datetime) -> Served:
        """The playlist of the TV ``code`` (any case), or TVNotFound / 429 / 503."""
        code = normalize_code(code)
        if not _is_plausible(code):
            await self._count_miss(client, now)
            raise TVNotFound()
        entry = await self._cached(code, now.timestamp())
        if entry is not None:
            return Served(entry)
        return await self._load(code, client=client, now=now)

    async def version(self, code: str, *, client: str, now: datetime) -> str | None:
        """The TV's current versao (None: unknown code), for the WebSocket hello.

        Raises like ``get`` otherwise (429 for an enumerating client, 503).
        """
        try:
            served = await self.get(code, client=client, now=now)
        except TVNotFound:
            return None
        return served.entry.version

    async def _cached(self, code: str, now_ts: float) -> PlaylistEntry | None:
        try:
            raw = await self._cache.get(keys.playlist(code))
        except CacheError:
            CACHE_DEGRADED.labels("playlist_get").inc()
            record = self._last_known.get(code)
            if record and record.is_current and record.entry.is_fresh(now_ts):
                return record.entry
            return None
        if raw is None:
            return None
        record = self._last_known.get(code)
        if record is not None and record.raw is raw:
            entry: PlaylistEntry | None = record.entry
        else:
            entry = decode_entry(code, raw)
            if entry is None:
                return None
            # Built by another instance: keep it as this process's fallback too.
            self._remember(entry, raw, is_current=True)
        assert entry is not None
        return entry if entry.is_fresh(now_ts) else None

    async def _load(self, code: str, *, client: str, now: datetime) -> Served:
        if await self._is_known_unknown(code):
            await self._count_miss(client, now)
            raise TVNotFound()
        if code not in self._last_known and self._is_blocked(client):
            raise TVLookupRateLimited(retry_after=self._blocked_for(client))
        if time.monotonic() < self._db_down_until:
            return self._fallback(code, now)
        try:
            entry = await asyncio.wait_for(
                asyncio.shield(self._build_once(code, now)),
                self.build_timeout_seconds,
            )
        except TimeoutError:
            logger.warning("playlist build of %s timed out", code)
            return self._fallback(code, now)
        except DATABASE_ERRORS as exc:
            logger.warning("playlist build of %s failed: %r", code, exc)
            self._db_down_until = time.monotonic() + self.db_retry_seconds
            return self._fallback(code, now)
        if entry is None:
            await self._count_miss(client, now)
            raise TVNotFound()
        return Served(entry)

    def _fallback(self, code: str, now: datetime) -> Served:
        record = self._last_known.get(code)
        if record is None:
            raise PlaylistUnavailable()
        is_fresh = record.is_current and record.entry.is_fresh(now.timestamp())
        return Served(record.entry, is_stale=not is_fresh)

    # Building --------------------------------------------------------------

    def _build_once(
        self, code: str, now: datetime
    ) -> asyncio.Future[PlaylistEntry | None]:
        """One build per code at a time: concurrent misses share it."""
        future = self._inflight.get(code)
        if future is None:
            future = asyncio.ensure_future(self._build(code, now))
            self._inflight[code] = future

            def _done(done: asyncio.Future[PlaylistEntry | None]) -> None:
                if self._inflight.get(code) is done:
                    del self._inflight[code]
                if not done.cancelled():
                    done.exception()  # retrieved: every waiter may have gone

            future.add_done_callback(_done)
        return future

    async def _build(self, code: str, now: datetime) -> PlaylistEntry | None:
        epoch = self._epoch
        async with self._sessionmaker() as session:
            row = (await session.execute(repository.tv_by_code(code))).one_or_none()
            if row is None:
                self._last_known.pop(code)
                # Unless a TV was created meanwhile (its invalidation clears this).
                if epoch == self._epoch:
                    await self._remember_unknown(code)
                return None
            tv = TVInfo(
                id=row.id,
                code=row.code,
                name=row.name,
                condominium_id=row.condominium_id,
                condominium_name=row.condominium_name,
                ratios=Ratios(
                    notices=row.notice_ratio, ads=row.ad_ratio, news=row.news_ratio
                ),
            )
            items = await eligible_items(
                session, tv.condominium_id, now, max_news=self._max_news
            )
        rendered = render(tv, items, now=now)
        ttl = float(self._cache_seconds)
        if rendered.expires_at is not None:
            ttl = min(ttl, (rendered.expires_at - now).total_seconds())
        entry = PlaylistEntry(
            code=code,
            tv_id=tv.id,
            version=rendered.version,
            body=rendered.body,
            valid_until=now.timestamp() + ttl,
        )
        raw = encode(entry)
        is_current = epoch == self._epoch
        if is_current:
            await self._store(code, raw, ttl)
            # An invalidation may have landed while the entry was being written.
            if epoch != self._epoch:
                is_current = False
                await self._delete([keys.playlist(code)])
        self._remember(entry, raw, is_current=is_current)
        return entry

    async def _store(self, code: str, raw: bytes, ttl: float) -> None:
        try:
            await self._cache.set(keys.playlist(code), raw, max(1, math.ceil(ttl)))
        except CacheError:
            CACHE_DEGRADED.labels("playlist_set").inc()

    def _remember(self, entry: PlaylistEntry, raw: bytes, *, is_current: bool) -> None:
        previous = self._last_known.put(LocalRecord(entry, raw, is_current))
        if (
            previous is not None
            and previous.entry.version != entry.version
            and self._watched[entry.code] > 0
        ):
            self._spawn(self._notify(entry.code, entry.version))

    # Unknown codes and enumeration -----------------------------------------

    async def _is_known_unknown(self, code: str) -> bool:
        try:
            return await self._cache.get(keys.unknown_tv(code)) is not None
        except CacheError:
            CACHE_DEGRADED.labels("tv_unknown_get").inc()
            return False

    async def _remember_unknown(self, code: str) -> None:
        try:
            await self._cache.set(keys.unknown_tv(code), b"1", UNKNOWN_TV_TTL_SECONDS)
        except CacheError:
            CACHE_DEGRADED.labels("tv_unknown_set").inc()

    async def _count_miss(self, client: str, now: datetime) -> None:
        """Count a lookup of a code that does not exist; 429 past the limit."""
        window = int(now.timestamp()) // RATE_WINDOW_SECONDS
        try:
            count, seconds_left = await self._cache.incr(
                keys.tv_lookup_rate(client, window), RATE_WINDOW_SECONDS
            )
        except CacheError:
            CACHE_DEGRADED.labels("tv_lookup_rate").inc()
            return
        if count > self._rate_per_minute:
            # Remembered here so that the next unknown code from this client is
            # refused before it reaches the database.
            self._blocked[client] = time.monotonic() + seconds_left
            if len(self._blocked) > 10_000:
                self._prune_blocked()
            raise TVLookupRateLimited(retry_after=seconds_left)

    def _is_blocked(self, client: str) -> bool:
        until = self._blocked.get(client)
        if until is None:
            return False
        if until <= time.monotonic():
            del self._blocked[client]
            return False
        return True

    def _blocked_for(self, client: str) -> int:
        return max(1, math.ceil(self._blocked.get(client, 0.0) - time.monotonic()))

    def _prune_blocked(self) -> None:
        now = time.monotonic()
        for client in [c for c, until in self._blocked.items() if until <= now]:
            del self._blocked[client]

    # Invalidation ----------------------------------------------------------

    async def apply(self, changes: PendingChanges) -> None:
        """Invalidate what a committed unit of work changed (see ``invalidation``)."""
        tv_ids = set(changes.tv_ids)
        named_codes = {normalize_code(code) for code in changes.tv_codes}
        if not (changes.all_tvs or changes.condominium_ids or tv_ids or named_codes):
            return
        try:
            async with self._sessionmaker() as session:
                if changes.all_tvs:
                    statement = repository.all_tvs()
                else:
                    statement = repository.tvs_affected(
                        condominium_ids=changes.condominium_ids,
                        tv_ids=tv_ids,
                        tv_codes=named_codes,
                    )
                rows = (await session.execute(statement)).all()
        except DATABASE_ERRORS as exc:
            logger.error("could not resolve the TVs to invalidate: %r", exc)
            # Conservative: every copy this process knows of is outdated.
            await self.invalidate(
                {*self._last_known.codes(), *named_codes}, all_tvs=changes.all_tvs
            )
            return
        found = {row.code for row in rows}
        created_or_named = {
            row.code for row in rows if row.id in tv_ids or row.code in named_codes
        }
        for code in named_codes - found:
            self._last_known.pop(code)  # deleted: no fallback for a gone TV
        await self.invalidate(
            found | named_codes,
            all_tvs=changes.all_tvs,
            clear_unknown=created_or_named,
        )

    async def invalidate(
        self,
        codes: Iterable[str] = (),
        *,
        all_tvs: bool = False,
        clear_unknown: Iterable[str] = (),
        local_only: bool = False,
    ) -> None:
        """Drop the fresh playlists of ``codes`` (or of every TV this process knows
        with ``all_tvs``; ``apply`` passes every code when it resolves ``all_tvs``).

        ``local_only``: the change was announced by another instance; it is applied
        here (shared entries of these codes dropped again, which is idempotent and
        covers a shared cache that came back with old entries) but not re-announced.
        """
        self._epoch += 1
        targets = {normalize_code(code) for code in codes}
        self._last_known.mark_outdated(None if all_tvs else targets)
        announced = None if all_tvs else frozenset(targets)
        if all_tvs:
            targets.update(self._last_known.codes())
        doomed = [keys.playlist(code) for code in sorted(targets)]
        doomed += [keys.unknown_tv(code) for code in clear_unknown]
        await self._delete(doomed)
        if not local_only:
            for observer in self.on_invalidated:
                try:
                    await observer(announced)
                except Exception:
                    logger.exception("playlist invalidation observer failed")
        self._spawn(self._refresh_watched(None if all_tvs else targets))

    async def _delete(self, cache_keys: list[str]) -> None:
        try:
            for start in range(0, len(cache_keys), DELETE_CHUNK):
                await self._cache.delete(*cache_keys[start : start + DELETE_CHUNK])
        except CacheError:
            CACHE_DEGRADED.labels("playlist_delete").inc()

    # Watched TVs (connected WebSockets) ------------------------------------

    def watch(self, code: str) -> None:
        self._watched[normalize_code(code)] += 1

    def unwatch(self, code: str) -> None:
        code = normalize_code(code)
        self._watched[code] -= 1
        if self._watched[code] <= 0:
            del self._watched[code]

    async def _refresh_watched(self, codes: set[str] | None) -> None:
        """Rebuild the watched TVs' playlists so their sockets learn the new versao."""
        targets = [code for code in self._watched if codes is None or code in codes]
        for code in targets:
            now = self._clock()
            try:
                # Another instance may have rebuilt it already (shared cache).
                if await self._cached(code, now.timestamp()) is None:
                    await self._build_once(code, now)
            except DATABASE_ERRORS as exc:
                logger.warning("refresh of watched TVs stopped: %r", exc)
                return

    async def _notify(self, code: str, version: str) -> None:
        for observer in self.on_version_changed:
            try:
                await observer(code, version)
            except Exception:
                logger.exception("playlist version observer failed")

    # Lifecycle -------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for background refreshes and notifications (tests, shutdown)."""
        while self._tasks or self._inflight:
            await asyncio.gather(
                *self._tasks, *self._inflight.values(), return_exceptions=True
            )

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def reset(self) -> None:
        """Forget every in-process copy, block and breaker (between tests)."""
        self._epoch += 1
        self._last_known.clear()
        self._blocked.clear()
        self._db_down_until = 0.0


async def eligible_items(
    session: AsyncSession, condominium_id: int, now: datetime, *, max_news: int
) -> list[PlaylistItem]:
    """What may play in a condomínio's TVs now (the playlist build, and the
    dashboard's preview of a loop under other proportions)."""
    notices = await session.execute(repository.eligible_notices(condominium_id, now))
    ads = await session.execute(repository.eligible_ads(condominium_id, now))
    news = await session.execute(repository.eligible_news(now, limit=max_news))
    return [
        *(_with_media(ItemKind.NOTICE, row, message=row.message) for row in notices),
        *(_with_media(ItemKind.AD, row) for row in ads),
        *(
            PlaylistItem(
                kind=ItemKind.NEWS,
                id=row.id,
                title=row.title,
                created_at=row.created_at,
                duration_seconds=row.duration_seconds,
                status=ContentStatus(row.status),
                expires_at=row.expires_at,
                # A news picture is an image the TV shows like an anúncio's.
                archive_url=row.image_url,
                media_kind=MediaKind.IMAGE.value if row.image_url else None,
                summary=row.summary,
                source=row.source,
                published_at=row.published_at,
            )
            for row in news
        ),
    ]


def _with_media(
    kind: ItemKind, row: Any, *, message: str | None = None
) -> PlaylistItem:
    """An anúncio or aviso row (both carry the media columns) as a playlist item."""
    return PlaylistItem(
        kind=kind,
        id=row.id,
        title=row.name,
        created_at=row.created_at,
        duration_seconds=row.duration_seconds,
        status=ContentStatus(row.status),
        expires_at=row.expires_at,
        archive_url=row.archive_url,
        media_kind=_media_kind(row.media_kind),
        thumbnail_url=row.thumbnail_url,
        message=message,
    )


def _media_kind(value: MediaKind | str | None) -> str | None:
    return None if value is None else MediaKind(value).value


async def record_ping(
    playlists: PlaylistService,
    heartbeats: HeartbeatWriter,
    code: str,
    *,
    client: str,
    now: datetime,
    app_version: str | None = None,
    resolution: str | None = None,
) -> Served:
    """A TV's heartbeat: remembered in memory (written in batches), answered with
    the TV's current versao."""
    served = await playlists.get(code, client=client, now=now)
    heartbeats.record(
        served.entry.tv_id,
        seen_at=now,
        app_version=app_version,
        resolution=resolution,
    )
    return served
