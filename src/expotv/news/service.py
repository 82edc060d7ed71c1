"""Notícias and their sources: the rules behind ``/noticias`` and the collector.

A notícia plays on every TV while it is ``ativo`` and its ``data_expiracao`` (if
any) is ahead; a change touches every playlist only when such an item appears,
changes or goes away.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import MISSING
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.config import Settings
from expotv.content import ContentStatus, is_past
from expotv.errors import found
from expotv.news import feeds
from expotv.news import repository as news_repository
from expotv.news.exceptions import (
    ExpiryInPast,
    InvalidFeedUrl,
    NewsFeedExists,
    NewsFeedNotFound,
    NewsItemNotFound,
)
from expotv.news.models import NewsFeed, NewsItem
from expotv.news.repository import NewsFilters
from expotv.news.schemas import (
    DEFAULT_DURATION_SECONDS,
    FeedCreate,
    FeedUpdate,
    NewsCreate,
    NewsUpdate,
)
from expotv.pagination import PageParams, PageResult, paginate
from expotv.playlist.invalidation import content_changed

ERROR_MAX_CHARS = 500


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if is_past(expires_at, now):
        raise ExpiryInPast()


# --- notícias ----------------------------------------------------------------


async def get_news(session: AsyncSession, news_id: int) -> NewsItem:
    return found(await session.get(NewsItem, news_id), NewsItemNotFound)


async def get_feed(session: AsyncSession, feed_id: int) -> NewsFeed:
    return found(await session.get(NewsFeed, feed_id), NewsFeedNotFound)


async def list_news(
    session: AsyncSession, filters: NewsFilters, *, page: PageParams, now: datetime
) -> PageResult[NewsItem]:
    query = news_repository.news_query(filters, now=now)
    return await paginate(session, query, page)


async def create_news(
    session: AsyncSession, data: NewsCreate, *, now: datetime
) -> NewsItem:
    _check_expiry(data.expires_at, now)
    item = NewsItem(
        **data.model_dump(exclude={"status", "published_at"}),
        status=ContentStatus(data.status),
        published_at=data.published_at or now,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    await session.flush()
    if item.plays(now):
        content_changed(session, all_tvs=True)
    return item


async def update_news(
    session: AsyncSession, item: NewsItem, changes: NewsUpdate, *, now: datetime
) -> NewsItem:
    new_values = changes.sent()
    if changes.expires_at is not MISSING:
        _check_expiry(changes.expires_at, now)
    played = item.plays(now)
    if changes.status is not MISSING:
        new_values["status"] = ContentStatus(changes.status)
    elif changes.expires_at is not MISSING and item.status is ContentStatus.EXPIRED:
        # A new (future or no) date revives an expired notícia.
        new_values["status"] = ContentStatus.ACTIVE
    changed = False
    for name, value in new_values.items():
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed = True
    if not changed:
        return item
    item.updated_at = now
    await session.flush()
    if played or item.plays(now):
        content_changed(session, all_tvs=True)
    return item


async def delete_news(session: AsyncSession, item: NewsItem, *, now: datetime) -> None:
    played = item.plays(now)
    await session.delete(item)
    await session.flush()
    if played:
        content_changed(session, all_tvs=True)


# --- sources -----------------------------------------------------------------


async def list_feeds(
    session: AsyncSession, *, page: PageParams, is_active: bool | None = None
) -> PageResult[NewsFeed]:
    return await paginate(
        session, news_repository.feeds_query(is_active=is_active), page
    )


async def check_feed_url(
    url: str, *, settings: Settings, resolver: feeds.Resolver | None = None
) -> None:
    """Refuse (422) a URL the collector would refuse to fetch."""
    try:
        parsed = feeds.check_url(url)
        await feeds.resolve_public(
            parsed,
            allow_private=settings.feeds_allow_private,
            resolver=resolver,
            timeout_seconds=settings.feeds_timeout_seconds,
        )
    except feeds.FeedError as exc:
        raise InvalidFeedUrl(str(exc)) from None


async def create_feed(
    session: AsyncSession,
    data: FeedCreate,
    *,
    settings: Settings,
    resolver: feeds.Resolver | None = None,
) -> NewsFeed:
    await check_feed_url(data.url, settings=settings, resolver=resolver)
    if await news_repository.feed_url_taken(session, data.url):
        raise NewsFeedExists()
    feed = NewsFeed(name=data.name, url=data.url, is_active=data.is_active)
    session.add(feed)
    await session.flush()
    return feed


async def update_feed(
    session: AsyncSession,
    feed: NewsFeed,
    changes: FeedUpdate,
    *,
    settings: Settings,
    resolver: feeds.Resolver | None = None,
) -> NewsFeed:
    if changes.url is not MISSING and changes.url != feed.url:
        await check_feed_url(changes.url, settings=settings, resolver=resolver)
        if await news_repository.feed_url_taken(
            session, changes.url, except_id=feed.id
        ):
            raise NewsFeedExists()
        feed.url = changes.url
        # Validators and the last error belong to the old address.
        feed.etag = None
        feed.last_modified = None
        feed.last_error = None
    changes.copy_sent(feed, "name", "is_active")
    await session.flush()
    return feed


async def delete_feed(session: AsyncSession, feed: NewsFeed) -> None:
    # Its notícias stay (feed_id becomes NULL) and still expire by age.
    await session.delete(feed)
    await session.flush()


# --- collection --------------------------------------------------------------


async def record_collection(
    session: AsyncSession,
    feed: NewsFeed,
    *,
    now: datetime,
    max_age: timedelta,
    max_live: int,
    error: str | None = None,
    result: feeds.FetchResult | None = None,
    entries: Sequence[feeds.ParsedEntry] = (),
) -> int:
    """Store one collection's outcome on ``feed`` and its new entries.

    Returns how many notícias were created. Entries already known for this feed
    (same guid hash) are left untouched; entries already past ``max_age`` are
    kept as "expirado", so they are known next time and never play. Of the
    source's playing notícias, only the ``max_live`` newest keep playing: the
    older ones become "expirado" (known, so never collected again).
    """
    feed.last_fetched_at = now
    if error is not None:
        feed.last_error = error[:ERROR_MAX_CHARS]
        await session.flush()
        return 0
    feed.last_error = None
    if result is not None and not result.not_modified:
        feed.etag = result.etag
        feed.last_modified = result.last_modified
    await session.flush()

    known = await news_repository.known_guid_hashes(
        session, feed.id, (entry.guid_hash for entry in entries)
    )
    created = 0
    playable = False
    for entry in entries:
        if entry.guid_hash in known:
            continue
        expires_at = entry.published_at + max_age
        status = (
            ContentStatus.EXPIRED if is_past(expires_at, now) else ContentStatus.ACTIVE
        )
        inserted = await news_repository.insert_unless_known(
            session,
            {
                "title": entry.title,
                "summary": entry.summary,
                "image_url": entry.image_url,
                "source": feed.name[:200],
                "link": entry.link,
                "status": status,
                "published_at": entry.published_at,
                "expires_at": expires_at,
                "duration_seconds": DEFAULT_DURATION_SECONDS,
                "feed_id": feed.id,
                "guid_hash": entry.guid_hash,
                "created_at": now,
                "updated_at": now,
            },
        )
        if inserted:
            created += 1
            playable = playable or status is ContentStatus.ACTIVE
    if playable:
        await news_repository.retire_all_but_newest(
            session, feed.id, keep=max_live, now=now
        )
        content_changed(session, all_tvs=True)
    return created


async def expire_due(
    session: AsyncSession, *, now: datetime, max_age: timedelta
) -> int:
    count = await news_repository.expire_due(session, now=now, cutoff=now - max_age)
    if count:
        content_changed(session, all_tvs=True)
    return count
