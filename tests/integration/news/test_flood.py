"""A feed made to flood: one collection takes only the newest entries, quickly and
without growing the process; a source keeps only its newest notícias playing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from email.utils import format_datetime

from fastapi import FastAPI
from sqlalchemy import select

from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import utcnow
from expotv.news import jobs as news_jobs
from expotv.news.models import NewsFeed, NewsItem
from tests.cost import MB, WALL_SECONDS, measured
from tests.integration.news.feedkit import FeedServer, Route, rss, rss_item
from tests.support import Factory

FLOOD_ENTRIES = 120_000
DATED = 1000


def flood(now: datetime) -> bytes:
    """120,000 entries in under 5 MB. The first thousand are dated, an hour and
    more ago in document order, except entries 500-509: a minute ago."""
    dated = [
        "<item>"
        f"<title>t{i}</title><guid>g{i}</guid><pubDate>"
        + format_datetime(
            now
            - (
                timedelta(minutes=1)
                if 500 <= i < 510
                else timedelta(hours=1, minutes=i)
            )
        )
        + "</pubDate></item>"
        for i in range(DATED)
    ]
    bare = (f"<item><title>t{i}</title></item>" for i in range(DATED, FLOOD_ENTRIES))
    return rss(*dated, *bare)


@contextlib.asynccontextmanager
async def loop_lag() -> AsyncIterator[list[float]]:
    """The longest the event loop went without running a 5 ms ticker."""
    worst = [0.0]

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            current = time.perf_counter()
            worst[0] = max(worst[0], current - last - 0.005)
            last = current

    ticker = asyncio.create_task(tick())
    try:
        yield worst
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


async def titles_by_status(app: FastAPI, feed_id: int) -> dict[str, set[str]]:
    async with context_of(app).sessionmaker() as session:
        rows = await session.execute(
            select(NewsItem.title, NewsItem.status).where(NewsItem.feed_id == feed_id)
        )
    found: dict[str, set[str]] = {}
    for title, status in rows:
        found.setdefault(ContentStatus(status).value, set()).add(title)
    return found


async def test_a_flooding_feed_gives_only_its_newest_entries_quickly(
    app: FastAPI,
    factory: Factory,
    settings: Settings,
    feed_server: FeedServer,
    clean: None,
) -> None:
    now = utcnow()
    body = flood(now)
    assert len(body) < settings.feeds_max_bytes
    url = feed_server.serve("/enchente.xml", Route(body=body))
    feed = await factory.add(NewsFeed(name="Enchente", url=url))
    collecting = settings.model_copy(update={"feeds_allow_private": True})

    with measured() as cost:
        async with loop_lag() as lag:
            outcome = await news_jobs.collect_feed(
                context_of(app).sessionmaker, collecting, feed.id, now=now
            )

    assert outcome.error is None
    assert outcome.created == settings.feeds_max_items_per_fetch == 50
    newest = {f"t{i}" for i in [*range(500, 510), *range(40)]}
    assert await titles_by_status(app, feed.id) == {"ativo": newest}
    # It took 17 s and 130 MB per TV playlist before; the loop kept turning.
    assert cost.cpu_seconds < 3.0, cost
    assert cost.seconds < WALL_SECONDS, cost
    assert cost.peak_growth_bytes < 60 * MB, cost
    assert lag[0] < 0.25


async def test_a_source_keeps_only_its_newest_notícias_playing(
    app: FastAPI,
    factory: Factory,
    settings: Settings,
    feed_server: FeedServer,
    clean: None,
) -> None:
    now = utcnow()
    capped = settings.model_copy(
        update={
            "feeds_allow_private": True,
            "feeds_max_items_per_fetch": 3,
            "feeds_max_items_per_source": 5,
        }
    )

    def dated(name: str, minutes_ago: int) -> str:
        return rss_item(name, name, published=now - timedelta(minutes=minutes_ago))

    url = feed_server.serve(
        "/portal.xml",
        Route(
            body=rss(dated("a1", 10), dated("a2", 20), dated("a3", 30), dated("a4", 40))
        ),
    )
    feed = await factory.add(NewsFeed(name="Portal", url=url))
    sessionmaker = context_of(app).sessionmaker
    first = await news_jobs.collect_feed(sessionmaker, capped, feed.id, now=now)
    feed_server.serve(
        "/portal.xml", Route(body=rss(dated("b1", 1), dated("b2", 2), dated("b3", 3)))
    )
    second = await news_jobs.collect_feed(sessionmaker, capped, feed.id, now=now)

    assert (first.created, second.created) == (3, 3)
    assert await titles_by_status(app, feed.id) == {
        "ativo": {"b1", "b2", "b3", "a1", "a2"},
        "expirado": {"a3"},
    }
