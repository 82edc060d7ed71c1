"""Building one TV's playlist from the database (no cache, no coordination).

tv_info(session, ...)          the TV, its proportions and its condomínio's zone
playlist_items(session, ...)   the items that may play there (or, for the
                               management view, every item of its condomínio)
PlaylistLoader.load(code)      the two above, ``eligibility.evaluate`` and
                               ``builder.render``: one cache entry, valid until
                               the playlist's next edge
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.content import ContentStatus, MediaKind
from expotv.items.models import ContentItem
from expotv.notices.models import Notice
from expotv.playlist import repository
from expotv.playlist.builder import ItemKind, PlaylistItem, Ratios, TVInfo, render
from expotv.playlist.eligibility import evaluate
from expotv.playlist.repository import Rows
from expotv.playlist.store import PlaylistEntry
from expotv.timezones import zone_of


@dataclass(frozen=True, slots=True)
class Loaded:
    entry: PlaylistEntry
    ttl_seconds: float
    # When the playlist changes by itself (``valido_ate``): the edge schedule's.
    next_edge: datetime | None = None


class PlaylistLoader:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._cache_seconds = settings.playlist_cache_seconds
        self._max_news = settings.playlist_max_news

    async def load(self, code: str, now: datetime) -> Loaded | None:
        """The TV ``code``'s playlist at ``now``; None when no TV has that code."""
        async with self._sessionmaker() as session:
            tv = await tv_info(session, repository.tv_by_code(code), self._settings)
            if tv is None:
                return None
            items = await playlist_items(session, tv, now, max_news=self._max_news)
        rendered = render(tv, evaluate(items, tv, now), now=now)
        ttl = float(self._cache_seconds)
        if rendered.expires_at is not None:
            # Stale at the next edge: a TV asking after it gets the new playlist.
            ttl = min(ttl, (rendered.expires_at - now).total_seconds())
        entry = PlaylistEntry(
            code=code,
            tv_id=tv.id,
            version=rendered.version,
            body=rendered.body,
            valid_until=now.timestamp() + ttl,
        )
        return Loaded(entry, ttl, next_edge=rendered.expires_at)


async def tv_info(
    session: AsyncSession, query: Rows, settings: Settings
) -> TVInfo | None:
    """The TV ``query`` (``repository.tv_by_code``/``tv_by_id``) finds, if any."""
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    return TVInfo(
        id=row.id,
        code=row.code,
        name=row.name,
        condominium_id=row.condominium_id,
        condominium_name=row.condominium_name,
        ratios=Ratios(notices=row.notice_ratio, ads=row.ad_ratio, news=row.news_ratio),
        zone=zone_of(row.timezone or settings.timezone),
    )


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
) -> dict[int, list[PlaylistItem]]:
    """``playlist_items`` of many condomínios at once, in the same statements
    (GraphQL asks for the playlists of a page of TVs)."""
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
    news = list(await session.execute(repository.eligible_news(now, limit=max_news)))
    if every_status:
        news += list(await session.execute(repository.idle_news(now)))
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
    news_items = [_news_item(row) for row in news]
    for items in found.values():
        items.extend(news_items)
    return found


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
