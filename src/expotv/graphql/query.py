"""The root query: the REST collections by their names, each a page with the REST
filters (camelCased), one object by id, and ``me``.

Every resolver calls the service REST calls, with the same caller: lists are the
same SQL (visibility included), a single object the caller may not see is the
same "não encontrado" error (``extensions.code`` ``tv_not_found``...), a level
that may not read is the same 403.
"""

from __future__ import annotations

from typing import Any, TypeVar

import strawberry

from expotv.auth.policy import ensure_admin
from expotv.condominiums import service as condominium_service
from expotv.content import ContentStatus
from expotv.errors import Invalid
from expotv.graphql.context import Info
from expotv.graphql.types import (
    AnuncioNode,
    AvisoNode,
    CondominioNode,
    FonteNode,
    NoticiaNode,
    Page,
    TVNode,
    UsuarioNode,
)
from expotv.items import service as item_service
from expotv.items.kind import ContentKind
from expotv.items.kinds import KINDS
from expotv.items.repository import ItemFilters
from expotv.news import repository as news_repository
from expotv.news import service as news_service
from expotv.news.exceptions import NewsFeedNotFound, NewsItemNotFound
from expotv.news.schemas import FeedRead, NewsRead
from expotv.pagination import PageParams, PageResult
from expotv.schemas import MAX_ID
from expotv.tvs import service as tv_service
from expotv.tvs.models import TVStatus
from expotv.users import service as user_service
from expotv.users.schemas import ROLE_BY_LEVEL, Level

AD_KIND, NOTICE_KIND = KINDS
T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000
MAX_TEXT = 200


def page_params(limit: int, offset: int) -> PageParams:
    """The REST pagination rule: a limit above 200 is a 422, as is a bad offset."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit deve estar entre 1 e {MAX_LIMIT}", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise Invalid(f"offset deve estar entre 0 e {MAX_OFFSET}", field="offset")
    return PageParams(limit=limit, offset=offset)


def _text(value: str | None, field: str) -> str | None:
    if value is not None and len(value) > MAX_TEXT:
        raise Invalid(f"no máximo {MAX_TEXT} caracteres", field=field)
    return value


def _row_id(value: int | None, field: str) -> int | None:
    if value is not None and not 1 <= value <= MAX_ID:
        raise Invalid(f"deve ser um id entre 1 e {MAX_ID}", field=field)
    return value


def _page(result: PageResult[Any], items: list[T]) -> Page[T]:
    return Page(
        items=items, total=result.total, limit=result.limit, offset=result.offset
    )


async def _item_page(
    info: Info,
    kind: ContentKind[Any, Any, Any, Any],
    node: Any,
    *,
    condominium_id: int | None,
    status: ContentStatus | None,
    q: str | None,
    limit: int,
    offset: int,
) -> Any:
    context = info.context
    filters = ItemFilters(
        condominium_id=_row_id(condominium_id, "condominioId"),
        status=status,
        query=_text(q, "q"),
    )
    params = page_params(limit, offset)
    async with context.database() as session:
        result = await item_service.list_visible(
            session,
            kind,
            user=context.user,
            filters=filters,
            page=params,
            now=context.now,
        )
    scope = await context.scope(with_signers=kind.scope_has_signers)
    read = kind.read_schema
    return _page(
        result,
        [
            node.of(read.present(item, scope=scope, now=context.now), item)
            for item in result.items
        ],
    )


async def _item(
    info: Info, kind: ContentKind[Any, Any, Any, Any], node: Any, item_id: int
) -> Any:
    context = info.context
    async with context.database() as session:
        item = await item_service.get_visible(session, kind, item_id, user=context.user)
    scope = await context.scope(with_signers=kind.scope_has_signers)
    return node.of(kind.read_schema.present(item, scope=scope, now=context.now), item)


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
        context = info.context
        params = page_params(limit, offset)
        text, manager_id = _text(q, "q"), _row_id(sindico_id, "sindicoId")
        async with context.database() as session:
            result = await condominium_service.list_visible(
                session,
                user=context.user,
                params=params,
                text=text,
                manager_id=manager_id,
            )
        return _page(result, [CondominioNode.of(c) for c in result.items])

    @strawberry.field(description="Um condomínio.")
    async def condominio(self, info: Info, id: int) -> CondominioNode | None:
        context = info.context
        async with context.database() as session:
            condominium = await condominium_service.get_visible(
                session, id, user=context.user
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
        condominium_id, text = _row_id(condominio_id, "condominioId"), _text(q, "q")
        async with context.database() as session:
            result = await tv_service.list_visible(
                session,
                user=context.user,
                params=params,
                now=context.now,
                settings=context.settings,
                presence=context.app.presence,
                condominium_id=condominium_id,
                status=status,
                text=text,
            )
        return _page(result, await TVNode.many(context, result.items))

    @strawberry.field(description="Uma TV.")
    async def tv(self, info: Info, id: int) -> TVNode | None:
        context = info.context
        async with context.database() as session:
            tv = await tv_service.get_visible(session, id, user=context.user)
        (node,) = await TVNode.many(context, [tv])
        return node

    @strawberry.field(description="Os anúncios que o usuário pode ver.")
    async def anuncios(
        self,
        info: Info,
        condominio_id: int | None = None,
        status: ContentStatus | None = None,
        q: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[AnuncioNode]:
        page: Page[AnuncioNode] = await _item_page(
            info,
            AD_KIND,
            AnuncioNode,
            condominium_id=condominio_id,
            status=status,
            q=q,
            limit=limit,
            offset=offset,
        )
        return page

    @strawberry.field(description="Um anúncio.")
    async def anuncio(self, info: Info, id: int) -> AnuncioNode | None:
        node: AnuncioNode = await _item(info, AD_KIND, AnuncioNode, id)
        return node

    @strawberry.field(description="Os avisos que o usuário pode ver.")
    async def avisos(
        self,
        info: Info,
        condominio_id: int | None = None,
        status: ContentStatus | None = None,
        q: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[AvisoNode]:
        page: Page[AvisoNode] = await _item_page(
            info,
            NOTICE_KIND,
            AvisoNode,
            condominium_id=condominio_id,
            status=status,
            q=q,
            limit=limit,
            offset=offset,
        )
        return page

    @strawberry.field(description="Um aviso.")
    async def aviso(self, info: Info, id: int) -> AvisoNode | None:
        node: AvisoNode = await _item(info, NOTICE_KIND, AvisoNode, id)
        return node

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
        context = info.context
        params = page_params(limit, offset)
        text, source = _text(q, "q"), _text(fonte, "fonte")
        feed_id = _row_id(fonte_id, "fonteId")
        async with context.database() as session:
            result = await news_service.list_news(
                session,
                page=params,
                now=context.now,
                status=status,
                text=text,
                source=source,
                feed_id=feed_id,
            )
        return _page(
            result,
            [
                NoticiaNode.of(NewsRead.present(item, now=context.now))
                for item in result.items
            ],
        )

    @strawberry.field(description="Uma notícia.")
    async def noticia(self, info: Info, id: int) -> NoticiaNode | None:
        context = info.context
        async with context.database() as session:
            item = await news_repository.get_news(session, id)
        if item is None:
            raise NewsItemNotFound()
        return NoticiaNode.of(NewsRead.present(item, now=context.now))

    @strawberry.field(description="As fontes RSS/Atom de notícias.")
    async def fontes(
        self,
        info: Info,
        ativo: bool | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[FonteNode]:
        context = info.context
        params = page_params(limit, offset)
        async with context.database() as session:
            result = await news_service.list_feeds(
                session, page=params, is_active=ativo
            )
        return _page(
            result, [FonteNode.of(FeedRead.model_validate(f)) for f in result.items]
        )

    @strawberry.field(description="Uma fonte de notícias.")
    async def fonte(self, info: Info, id: int) -> FonteNode | None:
        async with info.context.database() as session:
            feed = await news_repository.get_feed(session, id)
        if feed is None:
            raise NewsFeedNotFound()
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
        text = _text(q, "q")
        async with context.database() as session:
            result = await user_service.list_users(
                session,
                params=params,
                role=ROLE_BY_LEVEL[nivel] if nivel else None,
                text=text,
                is_active=ativo,
            )
        return _page(result, await UsuarioNode.many(context, result.items))

    @strawberry.field(description="Um usuário (somente Master).")
    async def usuario(self, info: Info, id: int) -> UsuarioNode | None:
        context = info.context
        # The level first: a Síndico gets 403 for any id, as in REST.
        ensure_admin(context.user)
        async with context.database() as session:
            user = await user_service.get(session, id)
        (node,) = await UsuarioNode.many(context, [user])
        return node
