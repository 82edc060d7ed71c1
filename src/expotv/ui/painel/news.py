"""Notícias and their sources: read by everyone, written by the Master."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth.policy import ensure_admin
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import utcnow
from expotv.deps import AppSettings, DbSession
from expotv.news import jobs as news_jobs
from expotv.news import service as news_service
from expotv.news.dependencies import (
    FeedResolver,
    HttpClient,
    SessionMaker,
    get_feed,
    get_news_item,
)
from expotv.news.models import NewsFeed, NewsItem
from expotv.news.schemas import (
    FeedCreate,
    FeedUpdate,
    NewsCreate,
    NewsRead,
    NewsUpdate,
)
from expotv.schemas import MAX_ID
from expotv.ui.painel import forms, render
from expotv.ui.painel.guard import painel_router
from expotv.ui.painel.session import CurrentVisitor, Visitor

router = painel_router(prefix="/painel/noticias")

NewsId = Annotated[int, Path(ge=1, le=MAX_ID)]
FeedId = Annotated[int, Path(ge=1, le=MAX_ID)]
_NEWS_FIELDS = (
    "titulo",
    "resumo",
    "imagem_url",
    "fonte",
    "link",
    "status",
    "data_expiracao",
    "duracao",
)


def _shown(item: NewsItem) -> NewsRead:
    # The API's read model: "expirado" as soon as data_expiracao passed.
    return NewsRead.model_validate(item)


@router.get("")
async def list_news(
    request: Request,
    visitor: CurrentVisitor,
    session: DbSession,
    status: ContentStatus | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    result = await news_service.list_news(
        session,
        page=render.page_params(request),
        now=utcnow(),
        status=status,
        text=q,
    )
    return render.view(
        request,
        visitor,
        "noticias.html",
        section="noticias",
        items=[_shown(item) for item in result.items],
        total=result.total,
        pager=render.pager(request, result.total),
        filters={"status": status.value if status else "", "q": q or ""},
    )


def _news_values(
    request: Request, form_values: dict[str, Any], sent: set[str], *, editing: bool
) -> dict[str, Any]:
    values = {k: v for k, v in form_values.items() if k in _NEWS_FIELDS}
    if editing:
        values = forms.cleared(values, sent, "imagem_url", "link", "data_expiracao")
        values = forms.cleared(values, sent, "resumo", "fonte", empty="")
    values = forms.integers(values, "duracao")
    zone = context_of(request.app).settings.zone
    return forms.local_datetimes(values, zone, "data_expiracao")


async def _news_form(
    request: Request,
    visitor: Visitor,
    *,
    item: NewsItem | None,
    values: dict[str, Any],
    errors: forms.FormErrors,
    status_code: int | None = None,
) -> Response:
    return render.view(
        request,
        visitor,
        "noticia_form.html",
        section="noticias",
        item=item,
        shown=_shown(item) if item is not None else None,
        values=values,
        errors=errors,
        status_code=status_code,
    )


@router.get("/nova")
async def new_news(request: Request, visitor: CurrentVisitor) -> Response:
    ensure_admin(visitor.user)
    return await _news_form(
        request,
        visitor,
        item=None,
        values={"status": "ativo", "duracao": 10},
        errors=forms.FormErrors(),
    )


@router.post("/nova")
async def create_news(
    request: Request, visitor: CurrentVisitor, session: DbSession
) -> Response:
    ensure_admin(visitor.user)
    form = await forms.read_form(request)
    values = _news_values(request, forms.form_dict(form), set(form), editing=False)

    async def create() -> NewsItem:
        data = forms.validate(NewsCreate, values)
        return await news_service.create_news(session, data, now=utcnow())

    return await forms.submit(
        request,
        session,
        create,
        keep=[visitor.user],
        then=lambda _: "/painel/noticias?ok=noticia_criada",
        again=lambda errors: _news_form(
            request, visitor, item=None, values=values, errors=errors
        ),
    )


@router.get("/fontes")
async def list_feeds(
    request: Request, visitor: CurrentVisitor, session: DbSession
) -> Response:
    return await _feeds_page(request, visitor, session)


async def _feeds_page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    *,
    values: dict[str, Any] | None = None,
    errors: forms.FormErrors | None = None,
    status_code: int | None = None,
) -> Response:
    result = await news_service.list_feeds(session, page=render.page_params(request))
    errors = errors or forms.FormErrors()
    return render.view(
        request,
        visitor,
        "fontes.html",
        section="fontes",
        feeds=result.items,
        total=result.total,
        pager=render.pager(request, result.total),
        values=values or {},
        errors=errors,
        status_code=status_code,
    )


@router.post("/fontes")
async def create_feed(
    request: Request,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
    resolver: FeedResolver,
) -> Response:
    ensure_admin(visitor.user)
    values = forms.form_dict(await forms.read_form(request))

    async def create() -> NewsFeed:
        data = forms.validate(FeedCreate, values)
        return await news_service.create_feed(
            session, data, settings=settings, resolver=resolver
        )

    return await forms.submit(
        request,
        session,
        create,
        keep=[visitor.user],
        then=lambda _: "/painel/noticias/fontes?ok=fonte_criada",
        again=lambda errors: _feeds_page(
            request, visitor, session, values=values, errors=errors
        ),
    )


@router.post("/fontes/{feed_id}/ativar")
async def toggle_feed(
    request: Request,
    feed_id: FeedId,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
    resolver: FeedResolver,
) -> Response:
    feed = await get_feed(session, feed_id)
    ensure_admin(visitor.user)
    form = await forms.read_form(request)
    changes = FeedUpdate.model_validate({"ativo": form.get("ativo") == "true"})
    await news_service.update_feed(
        session, feed, changes, settings=settings, resolver=resolver
    )
    return RedirectResponse("/painel/noticias/fontes?ok=fonte_salva", status_code=303)


@router.post("/fontes/{feed_id}/coletar")
async def collect_feed(
    feed_id: FeedId,
    visitor: CurrentVisitor,
    session: DbSession,
    sessionmaker: SessionMaker,
    settings: AppSettings,
    resolver: FeedResolver,
    http: HttpClient,
) -> Response:
    feed = await get_feed(session, feed_id)
    ensure_admin(visitor.user)
    # The collector uses sessions of its own, as the scheduled job does.
    outcome = await news_jobs.collect_feed(
        sessionmaker, settings, feed.id, http=http, now=utcnow(), resolver=resolver
    )
    ok = (
        "fonte_coletada"
        if outcome.feed and not outcome.feed.last_error
        else "fonte_erro"
    )
    return RedirectResponse(f"/painel/noticias/fontes?ok={ok}", status_code=303)


@router.post("/fontes/{feed_id}/excluir")
async def delete_feed(
    feed_id: FeedId, visitor: CurrentVisitor, session: DbSession
) -> Response:
    feed = await get_feed(session, feed_id)
    ensure_admin(visitor.user)
    await news_service.delete_feed(session, feed)
    return RedirectResponse(
        "/painel/noticias/fontes?ok=fonte_excluida", status_code=303
    )


@router.get("/{news_id}")
async def show_news(
    request: Request, news_id: NewsId, visitor: CurrentVisitor, session: DbSession
) -> Response:
    item = await get_news_item(session, news_id)
    values = {
        "titulo": item.title,
        "resumo": item.summary,
        "imagem_url": item.image_url or "",
        "fonte": item.source,
        "link": item.link or "",
        "status": item.status.value,
        "data_expiracao": item.expires_at,
        "duracao": item.duration_seconds,
    }
    return await _news_form(
        request, visitor, item=item, values=values, errors=forms.FormErrors()
    )


@router.post("/{news_id}")
async def update_news(
    request: Request, news_id: NewsId, visitor: CurrentVisitor, session: DbSession
) -> Response:
    item = await get_news_item(session, news_id)
    ensure_admin(visitor.user)
    form = await forms.read_form(request)
    values = _news_values(request, forms.form_dict(form), set(form), editing=True)

    async def save() -> NewsItem:
        changes = forms.validate(NewsUpdate, values)
        return await news_service.update_news(session, item, changes, now=utcnow())

    return await forms.submit(
        request,
        session,
        save,
        keep=[visitor.user, item],
        then=lambda _: "/painel/noticias?ok=noticia_salva",
        again=lambda errors: _news_form(
            request, visitor, item=item, values=values, errors=errors
        ),
    )


@router.post("/{news_id}/excluir")
async def delete_news(
    news_id: NewsId, visitor: CurrentVisitor, session: DbSession
) -> Response:
    item = await get_news_item(session, news_id)
    ensure_admin(visitor.user)
    await news_service.delete_news(session, item, now=utcnow())
    return RedirectResponse("/painel/noticias?ok=noticia_excluida", status_code=303)
