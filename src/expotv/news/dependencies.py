"""Path ids -> loaded notícias and sources (404 when missing), and collector pieces."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.auth.dependencies import CurrentUser
from expotv.auth.policy import ensure_admin
from expotv.deps import AppContextDep, DbSession
from expotv.news import feeds
from expotv.news import service as news_service
from expotv.news.models import NewsFeed, NewsItem
from expotv.schemas import RowId

NewsId = Annotated[RowId, Path(description="id da notícia")]
FeedId = Annotated[RowId, Path(description="id da fonte")]


async def get_news_item(session: DbSession, news_id: NewsId) -> NewsItem:
    return await news_service.get_news(session, news_id)


async def get_feed(session: DbSession, feed_id: FeedId) -> NewsFeed:
    return await news_service.get_feed(session, feed_id)


# Existence (404) is settled before the level (403), as the contract orders it.
async def get_editable_news_item(
    item: Annotated[NewsItem, Depends(get_news_item)], user: CurrentUser
) -> NewsItem:
    ensure_admin(user)
    return item


async def get_editable_feed(
    feed: Annotated[NewsFeed, Depends(get_feed)], user: CurrentUser
) -> NewsFeed:
    ensure_admin(user)
    return feed


async def get_sessionmaker(
    context: AppContextDep,
) -> async_sessionmaker[AsyncSession]:
    return context.sessionmaker


async def get_resolver(context: AppContextDep) -> feeds.Resolver | None:
    """The name resolver for feed URLs: the system's unless the context sets one."""
    return context.feeds_resolver


async def get_http_client(context: AppContextDep) -> httpx.AsyncClient | None:
    """The context's HTTP client for feeds (else the collector makes its own)."""
    return context.http


NewsItemDep = Annotated[NewsItem, Depends(get_news_item)]
EditableNewsItem = Annotated[NewsItem, Depends(get_editable_news_item)]
FeedDep = Annotated[NewsFeed, Depends(get_feed)]
EditableFeed = Annotated[NewsFeed, Depends(get_editable_feed)]
SessionMaker = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
FeedResolver = Annotated[feeds.Resolver | None, Depends(get_resolver)]
HttpClient = Annotated[httpx.AsyncClient | None, Depends(get_http_client)]
