"""The root query: the REST collections by their names, each a page with the REST
filters (camelCased), one object by id, and ``me``.

Every resolver calls the service REST calls, with the same caller: lists are the
same SQL (visibility included), a single object the caller may not see is the
same "não encontrado" error (``extensions.code`` ``tv_not_found``...), a level
that may not read is the same 403. Anúncios and avisos are made per kind by
``graphql.items``.
"""

from __future__ import annotations

import strawberry

from expotv.auth.policy import ensure_admin
from expotv.condominiums import service as condominium_service
from expotv.content import ContentStatus
from expotv.graphql.arguments import (
    DEFAULT_LIMIT,
    fetch_page,
    page_of,
    page_params,
    row_id,
    text,
)
from expotv.graphql.context import Info
from expotv.graphql.items import ADS, NOTICES, item_queries
from expotv.graphql.types import (
    CondominioNode,
    FonteNode,
    NoticiaNode,
    Page,
    TVNode,
    UsuarioNode,
)
from expotv.news import service as news_service
from expotv.news.repository import NewsFilters
from expotv.news.schemas import FeedRead, NewsRead
from expotv.tvs import service as tv_service
from expotv.tvs.models import TVStatus
from expotv.tvs.repository import TVFilters
from expotv.users import service as user_service
from expotv.users.schemas import ROLE_BY_LEVEL, Level


@strawberry.type
class Query:
    @strawberry.field(description="Quem chama (o mesmo que GET /auth/me).")
    async def me(self, info: Info) -> UsuarioNode | None:
        (node,) = await UsuarioNode.many(info.context, [info.context.user])
        return node

    @strawberry.field(description="Os condomínios que o usuário pode ver.")
    async def condominios(
        self,
        info: Info,
        q: str | None = None,
        sindico_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[CondominioNode]:
        params = page_params(limit, offset)
        search, manager_id = text(q, "q"), row_id(sindico_id, "sindicoId")
        result = await fetch_page(
            info,
            params,
            lambda session, params: condominium_service.list_visible(
                session,
                user=info.context.user,
                params=params,
                text=search,
                manager_id=manager_id,
            ),
        )
        return page_of(result, [CondominioNode.of(c) for c in result.items])

    @strawberry.field(description="Um condomínio.")
    async def condominio(self, info: Info, id: int) -> CondominioNode | None:
        async with info.context.database() as session:
            condominium = await condominium_service.get_visible(
                session, id, user=info.context.user
            )
        return CondominioNode.of(condominium)

    @strawberry.field(description="As TVs que o usuário pode ver.")
    async def tvs(
        self,
        info: Info,
        condominio_id: int | None = None,
        status: TVStatus | None = None,
        q: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[TVNode]:
        context = info.context
        params = page_params(limit, offset)
        condominium_id, search = row_id(condominio_id, "condominioId"), text(q, "q")
        result = await fetch_page(
            info,
            params,
            lambda session, params: tv_service.list_visible(
                session,
                TVFilters(condominium_id=condominium_id, status=status, text=search),
                user=context.user,
                params=params,
                now=context.now,
                presence=context.app.presence,
            ),
        )
        return page_of(result, await TVNode.many(context, result.items))

    @strawberry.field(description="Uma TV.")
    async def tv(self, info: Info, id: int) -> TVNode | None:
        async with info.context.database() as session:
            tv = await tv_service.get_visible(session, id, user=info.context.user)
        (node,) = await TVNode.many(info.context, [tv])
        return node

    anuncios, anuncio = item_queries(ADS)
    avisos, aviso = item_queries(NOTICES)

    @strawberry.field(description="As notícias, das mais recentes às mais antigas.")
    async def noticias(
        self,
        info: Info,
        status: ContentStatus | None = None,
        q: str | None = None,
        fonte: str | None = None,
        fonte_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[NoticiaNode]:
        now = info.context.now
        params = page_params(limit, offset)
        search, source = text(q, "q"), text(fonte, "fonte")
        feed_id = row_id(fonte_id, "fonteId")
        result = await fetch_page(
            info,
            params,
            lambda session, params: news_service.list_news(
                session,
                NewsFilters(status=status, text=search, source=source, feed_id=feed_id),
                page=params,
                now=now,
            ),
        )
        news = [
            NoticiaNode.of(NewsRead.present(item, now=now)) for item in result.items
        ]
        return page_of(result, news)

    @strawberry.field(description="Uma notícia.")
    async def noticia(self, info: Info, id: int) -> NoticiaNode | None:
        async with info.context.database() as session:
            item = await news_service.get_news(session, id)
        return NoticiaNode.of(NewsRead.present(item, now=info.context.now))

    @strawberry.field(description="As fontes RSS/Atom de notícias.")
    async def fontes(
        self,
        info: Info,
        ativo: bool | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[FonteNode]:
        result = await fetch_page(
            info,
            page_params(limit, offset),
            lambda session, params: news_service.list_feeds(
                session, page=params, is_active=ativo
            ),
        )
        feeds = [FonteNode.of(FeedRead.model_validate(f)) for f in result.items]
        return page_of(result, feeds)

    @strawberry.field(description="Uma fonte de notícias.")
    async def fonte(self, info: Info, id: int) -> FonteNode | None:
        async with info.context.database() as session:
            feed = await news_service.get_feed(session, id)
        return FonteNode.of(FeedRead.model_validate(feed))

    @strawberry.field(description="Os usuários (somente Master).")
    async def usuarios(
        self,
        info: Info,
        nivel: Level | None = None,
        q: str | None = None,
        ativo: bool | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[UsuarioNode]:
        context = info.context
        ensure_admin(context.user)
        params = page_params(limit, offset)
        search = text(q, "q")
        result = await fetch_page(
            info,
            params,
            lambda session, params: user_service.list_users(
                session,
                params=params,
                role=ROLE_BY_LEVEL[nivel] if nivel else None,
                text=search,
                is_active=ativo,
            ),
        )
        return page_of(result, await UsuarioNode.many(context, result.items))

    @strawberry.field(description="Um usuário (somente Master).")
    async def usuario(self, info: Info, id: int) -> UsuarioNode | None:
        # The level first: a Síndico gets 403 for any id, as in REST.
        ensure_admin(info.context.user)
        async with info.context.database() as session:
            user = await user_service.get(session, id)
        (node,) = await UsuarioNode.many(info.context, [user])
        return node
