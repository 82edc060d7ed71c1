"""The news jobs the scheduler runs (and ``POST /noticias/fontes/{id}/coletar``).

    collect_feeds      every active source: fetch -> parse -> store, one by one
    collect_feed       one source, whatever its state
    expire_collected   store "expirado" on notícias whose time is up

Each opens its own short sessions; no transaction stays open across a network
fetch. They are idempotent, and one bad source never stops the others: its
failure is recorded on it (``ultimo_erro``) and in the report.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.config import Settings
from expotv.db import session_scope
from expotv.news import feeds
from expotv.news import repository as news_repository
from expotv.news import service as news_service
from expotv.news.models import NewsFeed

logger = logging.getLogger(__name__)

# Sources fetched at the same time by one run.
CONCURRENT_FEEDS = 4
UNEXPECTED_ERROR = "erro inesperado ao coletar o feed"


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    feed_id: int
    # The source as stored after this collection; None if it was deleted meanwhile.
    feed: NewsFeed | None
    created: int = 0
    not_modified: bool = False
    error: str | None = None


@dataclass
class CollectReport:
    feeds: int = 0
    not_modified: int = 0
    failed: int = 0
    items_created: int = 0
    # feed id -> ultimo_erro, for the sources that failed in this run.
    errors: dict[int, str] = field(default_factory=dict)

    def add(self, outcome: FeedOutcome) -> None:
        self.feeds += 1
        self.items_created += outcome.created
        if outcome.not_modified:
            self.not_modified += 1
        if outcome.error is not None:
            self.failed += 1
            self.errors[outcome.feed_id] = outcome.error


async def collect_feed(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    feed_id: int,
    *,
    http: httpx.AsyncClient | None = None,
    now: datetime,
    resolver: feeds.Resolver | None = None,
) -> FeedOutcome:
    """Collect one source now (active or not). Never raises for a feed's fault."""
    if http is None:
        async with feeds.create_http_client(settings) as client:
            return await collect_feed(
                sessionmaker, settings, feed_id, http=client, now=now, resolver=resolver
            )
    async with session_scope(sessionmaker) as session:
        feed = await session.get(NewsFeed, feed_id)
        if feed is None:
            return FeedOutcome(feed_id=feed_id, feed=None)
        url, etag, last_modified = feed.url, feed.etag, feed.last_modified

    error: str | None = None
    result: feeds.FetchResult | None = None
    entries: list[feeds.ParsedEntry] = []
    try:
        result = await feeds.fetch(
            url,
            settings=settings,
            http=http,
            etag=etag,
            last_modified=last_modified,
            resolver=resolver,
        )
        if result.content is not None:
            entries = await feeds.parse_in_thread(
                result.content,
                now=now,
                max_items=settings.feeds_max_items_per_fetch,
                content_type=result.content_type,
            )
    except feeds.FeedError as exc:
        error = str(exc)
    except Exception:
        logger.exception("news feed %s: unexpected failure", feed_id)
        error = UNEXPECTED_ERROR

    async with session_scope(sessionmaker) as session:
        feed = await session.get(NewsFeed, feed_id)
        if feed is None:
            return FeedOutcome(feed_id=feed_id, feed=None, error=error)
        if feed.url != url:
            # Re-addressed while we fetched: this result belongs to the old URL.
            return FeedOutcome(feed_id=feed_id, feed=feed)
        created = await news_service.record_collection(
            session,
            feed,
            now=now,
            max_age=timedelta(seconds=settings.news_max_age_seconds),
            max_live=settings.feeds_max_items_per_source,
            error=error,
            result=result,
            entries=entries,
        )
    if error is not None:
        logger.info("news feed %s failed: %s", feed_id, error)
    return FeedOutcome(
        feed_id=feed_id,
        feed=feed,
        created=created,
        not_modified=error is None and result is not None and result.not_modified,
        error=error,
    )


async def collect_feeds(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    http: httpx.AsyncClient | None = None,
    now: datetime,
    resolver: feeds.Resolver | None = None,
) -> CollectReport:
    """Collect every active source. ``http`` defaults to a client of our own
    (``feeds.create_http_client``), closed at the end."""
    async with session_scope(sessionmaker) as session:
        feed_ids = await news_repository.active_feed_ids(session)
    report = CollectReport()
    if not feed_ids:
        return report
    async with AsyncExitStack() as stack:
        client = http or await stack.enter_async_context(
            feeds.create_http_client(settings)
        )
        slots = asyncio.Semaphore(CONCURRENT_FEEDS)

        async def one(feed_id: int) -> FeedOutcome:
            async with slots:
                try:
                    return await collect_feed(
                        sessionmaker,
                        settings,
                        feed_id,
                        http=client,
                        now=now,
                        resolver=resolver,
                    )
                except Exception:
                    # E.g. the database failed while recording: keep going.
                    logger.exception("news feed %s: could not be recorded", feed_id)
                    return FeedOutcome(
                        feed_id=feed_id, feed=None, error=UNEXPECTED_ERROR
                    )

        for outcome in await asyncio.gather(*(one(i) for i in feed_ids)):
            report.add(outcome)
    logger.info(
        "news feeds collected: %d sources, %d new items, %d failed",
        report.feeds,
        report.items_created,
        report.failed,
    )
    return report


async def expire_collected(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime,
) -> int:
    """Expire notícias whose time is up: collected ones past
    ``news_max_age_seconds`` and any notícia (manual too) past its
    ``data_expiracao``. Returns how many were expired."""
    async with session_scope(sessionmaker) as session:
        return await news_service.expire_due(
            session,
            now=now,
            max_age=timedelta(seconds=settings.news_max_age_seconds),
        )
