"""Building TVs' playlists from the database, shared by the TVs that play the same.

tv_info(session, ...)          the TV, its proportions and its condomínio's zone
playlist_items(session, ...)   the items that may play there (or, for the
                               management view, every item of its condomínio)
PlaylistLoader.load(code)      one cache entry, valid until the playlist's next
                               edge, built from shared parts:

    TV rows and     batched: the codes asked in the same loop turn load in one
    items           session (one query for the TVs, one set for the items of
                    their condomínios); a condomínio's items are kept (``_Memo``)
                    while nothing changed, so one load serves all its TVs
    shared body     ``eligibility.evaluate`` + ``builder.render_shared`` once per
                    group: same condomínio, proportions, time zone and
                    ``tvs_ids`` outcome (the items limited to TVs that include
                    this one); each TV adds only its head (``render_for``)

``forget`` (every invalidation) drops what is kept; a load that started before it
is used for its own answer but not kept.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.ads.models import Ad
from expotv.batching import Batcher, fail_all
from expotv.config import Settings
from expotv.content import ContentStatus, MediaKind
from expotv.db import utcnow
from expotv.items.models import ContentItem
from expotv.notices.models import Notice
from expotv.playlist import repository
from expotv.playlist.builder import (
    ItemKind,
    PlaylistItem,
    Ratios,
    SharedBody,
    TVInfo,
    render_for,
    render_shared,
)
from expotv.playlist.eligibility import evaluate
from expotv.playlist.repository import Rows
from expotv.playlist.store import PlaylistEntry, Recent, make_entry
from expotv.timezones import zone_of


@dataclass(frozen=True, slots=True)
class Loaded:
    entry: PlaylistEntry
    ttl_seconds: float
    # When the playlist changes by itself (``valido_ate``): the edge schedule's.
    next_edge: datetime | None = None


T = TypeVar("T")
# Condomínios' items and groups' shared bodies kept between loads (the TVs of one
# condomínio asked close together share them; 100,000 TVs' would not fit).
KEPT_CONDOMINIUMS = 128
KEPT_GROUPS = 64
# What makes two TVs of a condomínio play the same: proportions, zone, and which
# of the items limited to some TVs (``tvs_ids``) include them.
GroupKey = tuple[int, Ratios, str, frozenset[tuple[ItemKind, int]]]


@dataclass(frozen=True, slots=True)
class _Memo(Generic[T]):
    value: T
    generation: int
    # Wall-clock second after which it is not used (the cache's lifetime, or the
    # playlist's next edge).
    valid_until: float

    def usable(self, generation: int, now_ts: float) -> bool:
        return self.generation == generation and now_ts < self.valid_until


class PlaylistLoader:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._cache_seconds = settings.playlist_cache_seconds
        self._max_news = settings.playlist_max_news
        self._batch: Batcher[str, tuple[TVInfo, list[PlaylistItem]]] = Batcher(
            self._load_batch
        )
        self._kept_items: Recent[int, _Memo[list[PlaylistItem]]] = Recent(
            KEPT_CONDOMINIUMS
        )
        self._kept_bodies: Recent[GroupKey, _Memo[SharedBody]] = Recent(KEPT_GROUPS)
        # The live notícias, the same for every condomínio.
        self._kept_news: _Memo[list[PlaylistItem]] | None = None
        # Condomínios whose items a batch is loading right now.
        self._loading: dict[int, asyncio.Future[list[PlaylistItem]]] = {}
        self._generation = 0
        # The "now" of the batch being loaded (every key of a batch shares it).
        self._now: datetime | None = None
        # Bodies evaluated and rendered (not taken from a group's): tests, bench.
        self.shared_builds = 0

    def forget(self) -> None:
        """Something changed: nothing kept so far may be used again."""
        self._generation += 1
        self._kept_items.clear()
        self._kept_bodies.clear()
        self._kept_news = None

    async def load(self, code: str, now: datetime) -> Loaded | None:
        """The TV ``code``'s playlist at ``now``; None when no TV has that code."""
        generation = self._generation
        self._now = now
        found = await self._batch.get(code)
        if found is None:
            return None
        tv, items = found
        shared = self._shared_body(tv, items, now, generation)
        rendered = render_for(tv, shared)
        ttl = float(self._cache_seconds)
        if rendered.expires_at is not None:
            # Stale at the next edge: a TV asking after it gets the new playlist.
            ttl = min(ttl, (rendered.expires_at - now).total_seconds())
        entry = make_entry(
            code,
            tv.id,
            rendered.version,
            now.timestamp() + ttl,
            rendered.prefix,
            rendered.tail,
        )
        return Loaded(entry, ttl, next_edge=rendered.expires_at)

    def _shared_body(
        self, tv: TVInfo, items: list[PlaylistItem], now: datetime, generation: int
    ) -> SharedBody:
        now_ts = now.timestamp()
        targeted = frozenset(
            item.key for item in items if item.tv_ids and tv.id in item.tv_ids
        )
        key: GroupKey = (tv.condominium_id, tv.ratios, tv.zone.key, targeted)
        kept = self._kept_bodies.get(key)
        if kept is not None and kept.usable(generation, now_ts):
            return kept.value
        shared = render_shared(evaluate(items, tv, now), tv.ratios, tv.zone, now=now)
        self.shared_builds += 1
        if generation == self._generation:
            valid_until = now_ts + self._cache_seconds
            if shared.expires_at is not None:
                valid_until = min(valid_until, shared.expires_at.timestamp())
            self._kept_bodies.put(key, _Memo(shared, generation, valid_until))
        return shared

    async def _load_batch(
        self, codes: Sequence[str]
    ) -> Mapping[str, tuple[TVInfo, list[PlaylistItem]]]:
        """The TVs of ``codes`` and their condomínios' items, in one session: the
        items of a condomínio kept from an earlier load, or being loaded by another
        batch, are not asked again."""
        generation = self._generation
        now = self._now or utcnow()
        now_ts = now.timestamp()
        items: dict[int, list[PlaylistItem]] = {}
        waiting: dict[int, asyncio.Future[list[PlaylistItem]]] = {}
        async with self._sessionmaker() as session:
            rows = (await session.execute(repository.tvs_by_code(codes))).all()
            tvs = [_tv_of(row, self._settings) for row in rows]
            missing: set[int] = set()
            for condominium_id in {tv.condominium_id for tv in tvs}:
                kept = self._kept_items.get(condominium_id)
                if kept is not None and kept.usable(generation, now_ts):
                    items[condominium_id] = kept.value
                elif condominium_id in self._loading:
                    waiting[condominium_id] = self._loading[condominium_id]
                else:
                    missing.add(condominium_id)
            if missing:
                items.update(await self._load_items(session, missing, now, generation))
        for condominium_id, future in waiting.items():
            items[condominium_id] = await asyncio.shield(future)
        return {tv.code: (tv, items[tv.condominium_id]) for tv in tvs}

    async def _load_items(
        self,
        session: AsyncSession,
        condominium_ids: set[int],
        now: datetime,
        generation: int,
    ) -> dict[int, list[PlaylistItem]]:
        """Load (and keep) these condomínios' items; other batches wait for them."""
        loop = asyncio.get_running_loop()
        futures = {c: loop.create_future() for c in condominium_ids}
        self._loading.update(futures)
        try:
            news = self._kept_news
            if news is None or not news.usable(generation, now.timestamp()):
                found = await live_news(session, now, max_news=self._max_news)
                news = _Memo(found, generation, now.timestamp() + self._cache_seconds)
                if generation == self._generation:
                    self._kept_news = news
            loaded = await items_by_condominium(
                session,
                condominium_ids,
                now,
                max_news=self._max_news,
                news_items=news.value,
            )
        except BaseException as exc:
            fail_all(futures.values(), exc)
            raise
        finally:
            for condominium_id, future in futures.items():
                if self._loading.get(condominium_id) is future:
                    del self._loading[condominium_id]
        if generation == self._generation:
            valid_until = now.timestamp() + self._cache_seconds
            for condominium_id, found in loaded.items():
                self._kept_items.put(
                    condominium_id, _Memo(found, generation, valid_until)
                )
        for condominium_id, future in futures.items():
            future.set_result(loaded[condominium_id])
        return loaded

    async def drain(self) -> None:
        await self._batch.drain()


def _tv_of(row: Any, settings: Settings) -> TVInfo:
    return TVInfo(
        id=row.id,
        code=row.code,
        name=row.name,
        condominium_id=row.condominium_id,
        condominium_name=row.condominium_name,
        ratios=Ratios(notices=row.notice_ratio, ads=row.ad_ratio, news=row.news_ratio),
        zone=zone_of(row.timezone or settings.timezone),
    )


async def tv_info(
    session: AsyncSession, query: Rows, settings: Settings
) -> TVInfo | None:
    """The TV ``query`` (``repository.tv_by_code``/``tv_by_id``) finds, if any."""
    row = (await session.execute(query)).one_or_none()
    return None if row is None else _tv_of(row, settings)


async def playlist_items(
    session: AsyncSession,
    tv: TVInfo,
    now: datetime,
    *,
    max_news: int,
    every_status: bool = False,
) -> list[PlaylistItem]:
    """What may play on ``tv`` (the playlist build, and the dashboard's preview of a
    loop under other proportions); with ``every_status`` also what can't, for the
    management view (notícias switched off, not expired ones)."""
    found = await items_by_condominium(
        session,
        [tv.condominium_id],
        now,
        max_news=max_news,
        every_status=every_status,
    )
    return found[tv.condominium_id]


async def items_by_condominium(
    session: AsyncSession,
    condominium_ids: Collection[int],
    now: datetime,
    *,
    max_news: int,
    every_status: bool = False,
    news_items: list[PlaylistItem] | None = None,
) -> dict[int, list[PlaylistItem]]:
    """``playlist_items`` of many condomínios at once, in the same statements
    (GraphQL asks for the playlists of a page of TVs); ``news_items``: the live
    notícias when already loaded (they are the same for every condomínio)."""
    notices = (
        await session.execute(
            repository.notices_targeting(
                condominium_ids, now, every_status=every_status
            )
        )
    ).all()
    ads = (
        await session.execute(
            repository.ads_targeting(condominium_ids, now, every_status=every_status)
        )
    ).all()
    notice_tvs = await _tv_targets(session, Notice, notices)
    ad_tvs = await _tv_targets(session, Ad, ads)
    if news_items is None:
        news_items = await live_news(session, now, max_news=max_news)
    if every_status:
        idle = await session.execute(repository.idle_news(now))
        news_items = news_items + [_news_item(row) for row in idle]
    found: dict[int, list[PlaylistItem]] = {c: [] for c in condominium_ids}
    for row in notices:
        found[row.condominium_id].append(
            _with_media(
                ItemKind.NOTICE,
                row,
                tv_ids=notice_tvs.get(row.id, frozenset()),
                message=row.message,
                is_emergency=row.is_emergency,
            )
        )
    for row in ads:
        found[row.condominium_id].append(
            _with_media(ItemKind.AD, row, tv_ids=ad_tvs.get(row.id, frozenset()))
        )
    for items in found.values():
        items.extend(news_items)
    return found


async def live_news(
    session: AsyncSession, now: datetime, *, max_news: int
) -> list[PlaylistItem]:
    """The newest notícias that may play (every TV's)."""
    rows = await session.execute(repository.eligible_news(now, limit=max_news))
    return [_news_item(row) for row in rows]


async def _tv_targets(
    session: AsyncSession, model: type[ContentItem], rows: Sequence[Any]
) -> dict[int, frozenset[int]]:
    """Each item's ``tvs_ids`` (one query for the kind; none without items)."""
    if not rows:
        return {}
    found: defaultdict[int, set[int]] = defaultdict(set)
    pairs = await session.execute(repository.tv_targets(model, [r.id for r in rows]))
    for item_id, tv_id in pairs:
        found[item_id].add(tv_id)
    return {item_id: frozenset(tv_ids) for item_id, tv_ids in found.items()}


def _news_item(row: Any) -> PlaylistItem:
    return PlaylistItem(
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


def _with_media(
    kind: ItemKind,
    row: Any,
    *,
    tv_ids: frozenset[int],
    message: str | None = None,
    is_emergency: bool = False,
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
        starts_at=row.starts_at,
        windows=row.windows,
        tv_ids=tv_ids,
        is_emergency=bool(is_emergency),
        archive_url=row.archive_url,
        media_kind=_media_kind(row.media_kind),
        thumbnail_url=row.thumbnail_url,
        message=message,
    )


def _media_kind(value: MediaKind | str | None) -> str | None:
    return None if value is None else MediaKind(value).value
