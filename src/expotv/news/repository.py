from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, insert, or_, select, update
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.content import EXPIRABLE, ContentStatus
from expotv.news.models import NewsFeed, NewsItem
from expotv.queries import is_taken, text_match


@dataclass(frozen=True, slots=True)
class NewsFilters:
    """A list's filters (REST's and GraphQL's query parameters); None: any."""

    status: ContentStatus | None = None
    text: str | None = None
    source: str | None = None
    feed_id: int | None = None


def news_query(filters: NewsFilters, *, now: datetime) -> Select[NewsItem]:
    """Notícias, newest first; ``status`` as shown on read (a passed date is
    "expirado" even before the expiry job stores it)."""
    query = select(NewsItem)
    if filters.status is not None:
        query = query.where(NewsItem.shows_status(filters.status, now))
    if filters.text:
        query = query.where(text_match(filters.text, NewsItem.title, NewsItem.summary))
    if filters.source:
        source = filters.source.strip().lower()
        query = query.where(func.lower(NewsItem.source) == source)
    if filters.feed_id is not None:
        query = query.where(NewsItem.feed_id == filters.feed_id)
    return query.order_by(
        func.coalesce(NewsItem.published_at, NewsItem.created_at).desc(),
        NewsItem.id.desc(),
    )


def feeds_query(*, is_active: bool | None = None) -> Select[NewsFeed]:
    query = select(NewsFeed)
    if is_active is not None:
        query = query.where(NewsFeed.is_active.is_(is_active))
    return query.order_by(NewsFeed.id)


async def feed_url_taken(
    session: AsyncSession, url: str, *, except_id: int | None = None
) -> bool:
    return await is_taken(session, NewsFeed.url, url, except_id=except_id)


async def active_feed_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(NewsFeed.id).where(NewsFeed.is_active.is_(True)).order_by(NewsFeed.id)
    )
    return list(rows)


async def known_guid_hashes(
    session: AsyncSession, feed_id: int, hashes: Iterable[str]
) -> set[str]:
    wanted = list(hashes)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(NewsItem.guid_hash).where(
            NewsItem.feed_id == feed_id, NewsItem.guid_hash.in_(wanted)
        )
    )
    return {value for value in rows if value is not None}


async def insert_unless_known(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert one collected item; False when (feed, guid) is already there.

    The unique constraint decides, so two collections of one feed racing each
    other never fail nor duplicate: the loser's insert is a no-op.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        stmt: Any = (
            sqlite.insert(NewsItem)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["feed_id", "guid_hash"])
        )
    elif dialect in ("mysql", "mariadb"):
        # Values are pre-trimmed to the column sizes, so IGNORE only skips the
        # duplicate key (or a source deleted meanwhile).
        stmt = mysql.insert(NewsItem).values(**values).prefix_with("IGNORE")
    elif dialect == "postgresql":
        stmt = (
            postgresql.insert(NewsItem)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_news_item_feed_guid")
        )
    else:
        stmt = insert(NewsItem).values(**values)
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def retire_all_but_newest(
    session: AsyncSession, feed_id: int, *, keep: int, now: datetime
) -> int:
    """Store "expirado" on the source's playing notícias past its ``keep`` newest
    (by publication, as listed); returns how many changed."""
    newest_first = func.coalesce(NewsItem.published_at, NewsItem.created_at)
    playing = and_(NewsItem.feed_id == feed_id, NewsItem.plays(now))
    boundary = (
        await session.execute(
            select(newest_first, NewsItem.id)
            .where(playing)
            .order_by(newest_first.desc(), NewsItem.id.desc())
            .offset(keep - 1)
            .limit(1)
        )
    ).one_or_none()
    if boundary is None:
        return 0
    moment, last_id = boundary
    result = await session.execute(
        update(NewsItem)
        .where(
            playing,
            or_(
                newest_first < moment,
                and_(newest_first == moment, NewsItem.id < last_id),
            ),
        )
        .values(status=ContentStatus.EXPIRED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def expire_due(session: AsyncSession, *, now: datetime, cutoff: datetime) -> int:
    """Store "expirado" on notícias whose time is up; returns how many changed.

    Manual ones by their own date; collected ones (those with a ``guid_hash``)
    also once older than ``cutoff``, by publication or else creation time.
    """
    too_old = and_(
        NewsItem.guid_hash.is_not(None),
        or_(
            and_(NewsItem.published_at.is_not(None), NewsItem.published_at <= cutoff),
            and_(NewsItem.published_at.is_(None), NewsItem.created_at <= cutoff),
        ),
    )
    result = await session.execute(
        update(NewsItem)
        .where(
            or_(
                NewsItem.is_expiry_due(now),
                and_(NewsItem.status.in_(EXPIRABLE), too_old),
            )
        )
        .values(status=ContentStatus.EXPIRED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
