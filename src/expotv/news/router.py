from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from expotv.auth.dependencies import AdminUser
from expotv.content import ContentStatus
from expotv.db import utcnow
from expotv.deps import AppSettings, DbSession
from expotv.news import jobs as news_jobs
from expotv.news import service as news_service
from expotv.news.dependencies import (
    EditableFeed,
    EditableNewsItem,
    FeedDep,
    FeedResolver,
    HttpClient,
    NewsItemDep,
    SessionMaker,
)
from expotv.news.exceptions import NewsFeedNotFound
from expotv.news.models import NewsFeed
from expotv.news.repository import NewsFilters
from expotv.news.schemas import (
    NEWS_PAGE,
    FeedCreate,
    FeedPage,
    FeedRead,
    FeedUpdate,
    NewsCreate,
    NewsPage,
    NewsRead,
    NewsUpdate,
)
from expotv.pagination import PageResult, Pagination, page_json
from expotv.schemas import RowId

router = APIRouter(prefix="/noticias", tags=["noticias"])


# The /fontes routes come first, so "fontes" is never read as a notícia id.


@router.get("/fontes", response_model=FeedPage)
async def list_feeds(
    session: DbSession,
    page: Pagination,
    is_active: Annotated[
        bool | None, Query(alias="ativo", description="só ativas ou inativas")
    ] = None,
) -> PageResult[NewsFeed]:
    """Lista as fontes RSS/Atom de notícias."""
    return await news_service.list_feeds(session, page=page, is_active=is_active)


@router.post("/fontes", response_model=FeedRead, status_code=status.HTTP_201_CREATED)
async def create_feed(
    data: FeedCreate,
    _admin: AdminUser,
    session: DbSession,
    settings: AppSettings,
    resolver: FeedResolver,
) -> NewsFeed:
    """Cadastra uma fonte RSS/Atom (somente Master)."""
    return await news_service.create_feed(
        session, data, settings=settings, resolver=resolver
    )


@router.get("/fontes/{feed_id}", response_model=FeedRead)
async def get_feed(feed: FeedDep) -> NewsFeed:
    """Mostra uma fonte de notícias."""
    return feed


@router.put("/fontes/{feed_id}", response_model=FeedRead)
async def update_feed(
    changes: FeedUpdate,
    feed: EditableFeed,
    session: DbSession,
    settings: AppSettings,
    resolver: FeedResolver,
) -> NewsFeed:
    """Renomeia, muda a URL ou ativa/desativa uma fonte (somente Master)."""
    return await news_service.update_feed(
        session, feed, changes, settings=settings, resolver=resolver
    )


@router.delete("/fontes/{feed_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_feed(feed: EditableFeed, session: DbSession) -> None:
    """Remove uma fonte; as notícias já coletadas ficam até expirar (somente Master)."""
    await news_service.delete_feed(session, feed)


@router.post("/fontes/{feed_id}/coletar", response_model=FeedRead)
async def collect_feed(
    feed: EditableFeed,
    sessionmaker: SessionMaker,
    settings: AppSettings,
    resolver: FeedResolver,
    http: HttpClient,
) -> NewsFeed:
    """Coleta uma fonte agora e devolve a fonte atualizada (somente Master)."""
    outcome = await news_jobs.collect_feed(
        sessionmaker, settings, feed.id, http=http, now=utcnow(), resolver=resolver
    )
    if outcome.feed is None:
        raise NewsFeedNotFound()
    return outcome.feed


@router.get("", response_model=NewsPage)
async def list_news(
    session: DbSession,
    page: Pagination,
    status_filter: Annotated[
        ContentStatus | None, Query(alias="status", description="status exibido")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="busca em título e resumo")
    ] = None,
    source: Annotated[
        str | None,
        Query(alias="fonte", max_length=200, description="nome exato da fonte"),
    ] = None,
    feed_id: Annotated[
        RowId | None, Query(alias="fonte_id", description="id da fonte")
    ] = None,
) -> Response:
    """Lista as notícias (manuais e coletadas), das mais recentes às mais antigas."""
    now = utcnow()
    filters = NewsFilters(status=status_filter, text=q, source=source, feed_id=feed_id)
    result = await news_service.list_news(session, filters, page=page, now=now)
    body = page_json(NEWS_PAGE, result, lambda item: NewsRead.present(item, now=now))
    return Response(body, media_type="application/json")


@router.post("", response_model=NewsRead, status_code=status.HTTP_201_CREATED)
async def create_news(
    data: NewsCreate, _admin: AdminUser, session: DbSession
) -> NewsRead:
    """Cria uma notícia manual, exibida em todas as TVs (somente Master)."""
    now = utcnow()
    item = await news_service.create_news(session, data, now=now)
    return NewsRead.present(item, now=now)


@router.get("/{news_id}", response_model=NewsRead)
async def get_news(item: NewsItemDep) -> NewsRead:
    """Mostra uma notícia."""
    return NewsRead.present(item, now=utcnow())


@router.put("/{news_id}", response_model=NewsRead)
async def update_news(
    changes: NewsUpdate, item: EditableNewsItem, session: DbSession
) -> NewsRead:
    """Altera uma notícia; campos omitidos ficam como estão (somente Master)."""
    now = utcnow()
    item = await news_service.update_news(session, item, changes, now=now)
    return NewsRead.present(item, now=now)


@router.delete("/{news_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_news(item: EditableNewsItem, session: DbSession) -> None:
    """Remove uma notícia (somente Master)."""
    await news_service.delete_news(session, item, now=utcnow())
