"""Notícias and their sources: read by everyone, written by the Master."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import Path, Response
from fastapi.responses import RedirectResponse

from expotv.auth.policy import ensure_admin
from expotv.content import ContentStatus
from expotv.db import utcnow
from expotv.deps import AppSettings
from expotv.news import jobs as news_jobs
from expotv.news import schemas
from expotv.news import service as news_service
from expotv.news.dependencies import (
    FeedResolver,
    HttpClient,
    SessionMaker,
    get_feed,
    get_news_item,
)
from expotv.news.models import NewsFeed, NewsItem
from expotv.news.repository import NewsFilters
from expotv.schemas import MAX_ID
from expotv.ui.painel import forms
from expotv.ui.painel.guard import painel_router
from expotv.ui.painel.page import FormPage, Painel, PainelRequest, SearchText

router = painel_router(prefix="/painel/noticias")

NewsId = Annotated[int, Path(ge=1, le=MAX_ID)]
FeedId = Annotated[int, Path(ge=1, le=MAX_ID)]
FEEDS = "/painel/noticias/fontes"
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


def _shown(item: NewsItem) -> schemas.NewsRead:
    # The API's read model: "expirado" as soon as data_expiracao passed.
    return schemas.NewsRead.model_validate(item)


@router.get("")
async def list_news(
    painel: Painel,
    status: ContentStatus | None = None,
    q: SearchText = None,
) -> Response:
    result = await news_service.list_news(
        painel.session,
        NewsFilters(status=status, text=q),
        page=painel.page_params(),
        now=utcnow(),
    )
    return painel.list_view(
        "noticias.html",
        section="noticias",
        result=result,
        items=[_shown(item) for item in result.items],
        filters={"status": status.value if status else "", "q": q or ""},
    )


async def _news_values(painel: PainelRequest, *, editing: bool) -> dict[str, Any]:
    form = await painel.form()
    values = {k: v for k, v in forms.form_dict(form).items() if k in _NEWS_FIELDS}
    if editing:
        values = forms.cleared(values, form, "imagem_url", "link", "data_expiracao")
        values = forms.cleared(values, form, "resumo", "fonte", empty="")
    values = forms.integers(values, "duracao")
    return forms.local_datetimes(values, painel.settings.zone, "data_expiracao")


NEWS_FORM = FormPage("noticia_form.html", "noticias")


def _news_form(
    painel: PainelRequest,
    item: NewsItem | None,
    values: dict[str, Any],
    errors: forms.FormErrors | None = None,
) -> Awaitable[Response]:
    shown = _shown(item) if item is not None else None
    return NEWS_FORM(painel, values, errors, item=item, shown=shown)


@router.get("/nova")
async def new_news(painel: Painel) -> Response:
    ensure_admin(painel.user)
    return await _news_form(painel, None, {"status": "ativo", "duracao": 10})


@router.post("/nova")
async def create_news(painel: Painel) -> Response:
    ensure_admin(painel.user)
    values = await _news_values(painel, editing=False)

    async def create() -> NewsItem:
        data = forms.validate(schemas.NewsCreate, values)
        return await news_service.create_news(painel.session, data, now=utcnow())

    return await painel.submit(
        create,
        then=lambda _: "/painel/noticias?ok=noticia_criada",
        again=lambda errors: _news_form(painel, None, values, errors),
    )


@router.get("/fontes")
async def list_feeds(painel: Painel) -> Response:
    return await _feeds_page(painel, {})


async def _feeds_page(
    painel: PainelRequest,
    values: dict[str, Any],
    errors: forms.FormErrors | None = None,
) -> Response:
    """The sources, under the form that adds one."""
    result = await news_service.list_feeds(painel.session, page=painel.page_params())
    return painel.list_view(
        "fontes.html",
        section="fontes",
        result=result,
        feeds=result.items,
        values=values,
        errors=errors if errors is not None else forms.FormErrors(),
    )


@router.post("/fontes")
async def create_feed(
    painel: Painel, settings: AppSettings, resolver: FeedResolver
) -> Response:
    ensure_admin(painel.user)
    values = forms.form_dict(await painel.form())

    async def create() -> NewsFeed:
        data = forms.validate(schemas.FeedCreate, values)
        return await news_service.create_feed(
            painel.session, data, settings=settings, resolver=resolver
        )

    return await painel.submit(
        create,
        then=lambda _: f"{FEEDS}?ok=fonte_criada",
        again=lambda errors: _feeds_page(painel, values, errors),
    )


async def _feed(painel: PainelRequest, feed_id: int) -> NewsFeed:
    """The feed a Master's button names (a 404 first, as the API answers)."""
    feed = await get_feed(painel.session, feed_id)
    ensure_admin(painel.user)
    return feed


@router.post("/fontes/{feed_id}/ativar")
async def toggle_feed(
    feed_id: FeedId, painel: Painel, settings: AppSettings, resolver: FeedResolver
) -> Response:
    feed = await _feed(painel, feed_id)
    form = await painel.form()
    changes = schemas.FeedUpdate.model_validate({"ativo": form.get("ativo") == "true"})
    await news_service.update_feed(
        painel.session, feed, changes, settings=settings, resolver=resolver
    )
    return RedirectResponse(f"{FEEDS}?ok=fonte_salva", status_code=303)


@router.post("/fontes/{feed_id}/coletar")
async def collect_feed(
    feed_id: FeedId,
    painel: Painel,
    sessionmaker: SessionMaker,
    settings: AppSettings,
    resolver: FeedResolver,
    http: HttpClient,
) -> Response:
    feed = await _feed(painel, feed_id)
    # The collector uses sessions of its own, as the scheduled job does.
    outcome = await news_jobs.collect_feed(
        sessionmaker, settings, feed.id, http=http, now=utcnow(), resolver=resolver
    )
    failed = outcome.feed is None or outcome.feed.last_error
    ok = "fonte_erro" if failed else "fonte_coletada"
    return RedirectResponse(f"{FEEDS}?ok={ok}", status_code=303)


@router.post("/fontes/{feed_id}/excluir")
async def delete_feed(feed_id: FeedId, painel: Painel) -> Response:
    feed = await _feed(painel, feed_id)
    await news_service.delete_feed(painel.session, feed)
    return RedirectResponse(f"{FEEDS}?ok=fonte_excluida", status_code=303)


@router.get("/{news_id}")
async def show_news(news_id: NewsId, painel: Painel) -> Response:
    item = await get_news_item(painel.session, news_id)
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
    return await _news_form(painel, item, values)


async def _editable(painel: PainelRequest, news_id: int) -> NewsItem:
    item = await get_news_item(painel.session, news_id)
    ensure_admin(painel.user)
    return item


@router.post("/{news_id}")
async def update_news(news_id: NewsId, painel: Painel) -> Response:
    item = await _editable(painel, news_id)
    values = await _news_values(painel, editing=True)

    async def save() -> NewsItem:
        changes = forms.validate(schemas.NewsUpdate, values)
        return await news_service.update_news(
            painel.session, item, changes, now=utcnow()
        )

    return await painel.submit(
        save,
        keep=[item],
        then=lambda _: "/painel/noticias?ok=noticia_salva",
        again=lambda errors: _news_form(painel, item, values, errors),
    )


@router.post("/{news_id}/excluir")
async def delete_news(news_id: NewsId, painel: Painel) -> Response:
    item = await _editable(painel, news_id)
    await news_service.delete_news(painel.session, item, now=utcnow())
    return RedirectResponse("/painel/noticias?ok=noticia_excluida", status_code=303)
