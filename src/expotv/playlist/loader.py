"""Building one TV's playlist from the database (no cache, no coordination)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.config import Settings
from expotv.content import ContentStatus, MediaKind
from expotv.playlist import repository
from expotv.playlist.builder import ItemKind, PlaylistItem, Ratios, TVInfo, render
from expotv.playlist.store import PlaylistEntry


@dataclass(frozen=True, slots=True)
class Loaded:
    entry: PlaylistEntry
    ttl_seconds: float


class PlaylistLoader:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        self._sessionmaker = sessionmaker
        self._cache_seconds = settings.playlist_cache_seconds
        self._max_news = settings.playlist_max_news

    async def load(self, code: str, now: datetime) -> Loaded | None:
        """The TV ``code``'s playlist at ``now``; None when no TV has that code."""
        async with self._sessionmaker() as session:
            row = (await session.execute(repository.tv_by_code(code))).one_or_none()
            if row is None:
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
        return Loaded(entry, ttl)


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
