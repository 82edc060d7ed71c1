"""TVs: the list with live status, a TV's page (code, preview, proportions), forms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.deps import PresenceDep
from expotv.playlist import repository as playlist_repository
from expotv.playlist.builder import ItemKind, PlaylistItem, Ratios, Reason
from expotv.playlist.eligibility import build_cycle
from expotv.playlist.loader import playlist_items, tv_info
from expotv.playlist.overview import what_plays
from expotv.schemas import MAX_ID
from expotv.tvs import repository as tv_repository
from expotv.tvs import service as tv_service
from expotv.tvs.exceptions import TVNotFound
from expotv.tvs.models import TV, TVStatus
from expotv.tvs.presence import Presence, last_seen
from expotv.tvs.repository import TVFilters
from expotv.tvs.schemas import TVCreate, TVRatiosUpdate, TVUpdate
from expotv.ui.painel import forms, lookups, render
from expotv.ui.painel.guard import painel_router
from expotv.ui.painel.page import (
    CondominiumFilter,
    FormPage,
    Painel,
    PainelRequest,
    SearchText,
)

router = painel_router(prefix="/painel/tvs")

RATIO_FIELDS = ("proporcao_avisos", "proporcao_anuncios", "proporcao_noticias")
KIND_LABELS = {
    ItemKind.NOTICE: "Aviso",
    ItemKind.AD: "Anúncio",
    ItemKind.NEWS: "Notícia",
}
STATUS_LABELS = {TVStatus.ONLINE: "Online", TVStatus.OFFLINE: "Offline"}
# The preview shows the loop's first slots as cards, and the whole loop (up to
# BAR_SLOTS) as a bar of coloured segments.
PREVIEW_SLOTS = 60
BAR_SLOTS = 600
BAR_WIDTH = 1000

NEW_TV = {"proporcao_avisos": 1, "proporcao_anuncios": 5, "proporcao_noticias": 3}

TVId = Annotated[int, Path(ge=1, le=MAX_ID)]
RatioQuery = Annotated[int, Query(ge=0, le=100)]


@dataclass(frozen=True, slots=True)
class Slot:
    kind: str
    label: str
    id: int
    title: str
    thumbnail_url: str | None
    duration_seconds: int


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str
    title: str
    x: float
    width: float


@dataclass(frozen=True, slots=True)
class LoopPreview:
    slots: list[Slot]
    total_slots: int
    total_seconds: int
    counts: dict[str, int]
    bar: list[Segment]

    @property
    def counts_text(self) -> str:
        names = {"aviso": ("aviso", "avisos"), "anuncio": ("anúncio", "anúncios")}
        names["noticia"] = ("notícia", "notícias")
        parts = [
            f"{count} {names[kind][0] if count == 1 else names[kind][1]}"
            for kind, count in self.counts.items()
            if count
        ]
        return ", ".join(parts)

    def payload(self) -> dict[str, Any]:
        return {
            "itens": [
                {
                    "tipo": s.kind,
                    "rotulo": s.label,
                    "id": s.id,
                    "titulo": s.title,
                    "thumbnail_url": s.thumbnail_url,
                    "duracao": s.duration_seconds,
                }
                for s in self.slots
            ],
            "total_itens": self.total_slots,
            "duracao_total": self.total_seconds,
            "duracao_texto": render.format_duration(self.total_seconds),
            "contagem": self.counts,
            "contagem_texto": self.counts_text,
            "faixa": [
                {"tipo": b.kind, "titulo": b.title, "x": b.x, "largura": b.width}
                for b in self.bar
            ],
        }


def _thumbnail(item: PlaylistItem) -> str | None:
    if item.thumbnail_url:
        return item.thumbnail_url
    # Notícias carry a picture of their own, on another site: not shown here.
    return None


async def loop_preview(
    session: AsyncSession,
    tv: TV,
    ratios: Ratios,
    *,
    now: datetime,
    settings: Settings,
) -> LoopPreview:
    """The loop this TV would play with ``ratios``: the server's own interleaving."""
    info = await tv_info(session, playlist_repository.tv_by_id(tv.id), settings)
    if info is None:
        raise TVNotFound()
    info = replace(info, ratios=ratios)
    items = await playlist_items(
        session, info, now, max_news=settings.playlist_max_news
    )
    cycle = build_cycle(items, info, now)
    counts = {kind.value: 0 for kind in (ItemKind.NOTICE, ItemKind.AD, ItemKind.NEWS)}
    for item in cycle:
        counts[item.kind.value] += 1
    total_seconds = sum(item.duration_seconds for item in cycle)
    return LoopPreview(
        slots=[
            Slot(
                kind=item.kind.value,
                label=KIND_LABELS[item.kind],
                id=item.id,
                title=item.title,
                thumbnail_url=_thumbnail(item),
                duration_seconds=item.duration_seconds,
            )
            for item in cycle[:PREVIEW_SLOTS]
        ],
        total_slots=len(cycle),
        total_seconds=total_seconds,
        counts=counts,
        bar=_segments(cycle[:BAR_SLOTS]),
    )


def _segments(cycle: list[PlaylistItem]) -> list[Segment]:
    """The loop as a bar: one segment per slot, as wide as its time on screen."""
    total = sum(item.duration_seconds for item in cycle) or 1
    segments: list[Segment] = []
    x = 0.0
    for item in cycle:
        width = BAR_WIDTH * item.duration_seconds / total
        segments.append(
            Segment(
                kind=item.kind.value,
                title=item.title,
                x=round(x, 2),
                width=round(width, 2),
            )
        )
        x += width
    return segments


# Why an item of the condomínio is not in this TV's loop (``motivo``), for people.
REASONS = {
    Reason.SCHEDULED: "ainda não começou",
    Reason.OFF_HOURS: "fora do horário agora",
    Reason.EXPIRED: "expirou",
    Reason.INACTIVE: "pausado",
    Reason.PROCESSING: "mídia ainda em conversão",
    Reason.ERROR: "erro na mídia",
    Reason.OTHER_TV: "só em outras TVs",
    Reason.RATIO_ZERO: "proporção zero para este tipo",
    Reason.EMERGENCY: "um aviso de emergência ocupa a TV",
}
PATHS = {"aviso": "avisos", "anuncio": "anuncios", "noticia": "noticias"}


@dataclass(frozen=True, slots=True)
class LeftOut:
    kind: str
    label: str
    title: str
    reason: str
    url: str


async def left_out(
    session: AsyncSession, tv: TV, *, now: datetime, settings: Settings
) -> list[LeftOut]:
    """What targets the TV's condomínio but is not playing, and why: the API's
    ``GET /tvs/{id}/playlist`` (``fora``), for "why isn't my ad on this TV?"."""
    view = await what_plays(session, tv.id, now=now, settings=settings)
    return [
        LeftOut(
            kind=entry["tipo"],
            label=KIND_LABELS[ItemKind(entry["tipo"])],
            title=entry["titulo"],
            reason=REASONS[Reason(entry["motivo"])],
            url=f"/painel/{PATHS[entry['tipo']]}/{entry['id']}",
        )
        for entry in view["fora"]
    ]


def ratios_of(tv: TV) -> Ratios:
    return Ratios(notices=tv.notice_ratio, ads=tv.ad_ratio, news=tv.news_ratio)


def status_payload(
    tv: TV, *, now: datetime, presence: Presence, pending: Mapping[int, datetime]
) -> dict[str, Any]:
    """``pending``: pings not written yet (``presence.pending``), so a TV that
    just pinged shows online at once."""
    status = presence.status(tv, now, pending)
    seen = last_seen(tv, pending)
    return {
        "id": tv.id,
        "status": status.value,
        "status_texto": STATUS_LABELS[status],
        "ultimo_ping": seen.isoformat() if seen else None,
        "ultimo_ping_texto": render.format_elapsed(seen, now),
    }


async def tv_states(
    painel: PainelRequest, tvs: Iterable[TV]
) -> dict[int, dict[str, Any]]:
    """``status_payload`` of each TV, by id, as of now."""
    shown = list(tvs)
    presence = context_of(painel.request.app).presence
    pending = await presence.pending(shown)
    now = utcnow()
    return {
        tv.id: status_payload(tv, now=now, presence=presence, pending=pending)
        for tv in shown
    }


def player_url(request: Request, code: str) -> str:
    return f"{request.base_url}tv/{code}"


async def _visible(painel: PainelRequest, tv_id: int) -> TV:
    return await tv_service.get_visible(painel.session, tv_id, user=painel.user)


@router.get("")
async def list_tvs(
    painel: Painel,
    presence: PresenceDep,
    condominio: CondominiumFilter = None,
    status: TVStatus | None = None,
    q: SearchText = None,
) -> Response:
    session, user = painel.session, painel.user
    result = await tv_service.list_visible(
        session,
        TVFilters(condominium_id=condominio, status=status, text=q),
        user=user,
        params=painel.page_params(),
        now=utcnow(),
        presence=presence,
    )
    states = await tv_states(painel, result.items)
    names = await lookups.condominium_names(
        session, {tv.condominium_id for tv in result.items}, user=user
    )
    return painel.list_view(
        "tvs.html",
        section="tvs",
        result=result,
        zone=await painel.zone(),
        tvs=[
            (tv, names.get(tv.condominium_id, ""), states[tv.id]) for tv in result.items
        ],
        condominiums=await lookups.readable_condominiums(session, user=user),
        filters={"condominio": condominio, "status": status, "q": q or ""},
    )


@router.get("/status.json")
async def tv_statuses(
    painel: Painel, ids: Annotated[str, Query(max_length=2000)] = ""
) -> JSONResponse:
    """Online/offline and the last ping of the listed TVs the caller may see."""
    found: list[TV] = []
    if wanted := forms.id_list(ids):
        query = tv_repository.visible_to(painel.user).where(TV.id.in_(wanted))
        found = list(await painel.session.scalars(query.order_by(TV.id)))
    states = await tv_states(painel, found)
    return JSONResponse(
        {"tvs": list(states.values())}, headers={"Cache-Control": "no-store"}
    )


async def _targets(painel: PainelRequest, _values: dict[str, Any]) -> dict[str, Any]:
    """The condomínios a TV may be put in."""
    choices = await lookups.writable_condominiums(painel.session, user=painel.user)
    return {"condominiums": choices}


NEW_TV_FORM = FormPage("tv_nova.html", "tvs", _targets)
TV_PAGE = FormPage("tv.html", "tvs", _targets)


@router.get("/nova")
async def new_tv(painel: Painel, condominio: CondominiumFilter = None) -> Response:
    return await NEW_TV_FORM(painel, {**NEW_TV, "condominio_id": condominio})


@router.post("/nova")
async def create_tv(painel: Painel) -> Response:
    values = forms.form_dict(await painel.form())

    async def create() -> TV:
        data = forms.validate(TVCreate, forms.integers(values, *RATIO_FIELDS))
        return await tv_service.create(painel.session, data, user=painel.user)

    return await painel.submit(
        create,
        then=lambda tv: f"/painel/tvs/{tv.id}?ok=tv_criada",
        again=lambda errors: NEW_TV_FORM(painel, values, errors),
    )


@router.get("/{tv_id}")
async def show_tv(tv_id: TVId, painel: Painel) -> Response:
    return await _tv_page(painel, await _visible(painel, tv_id))


async def _tv_page(
    painel: PainelRequest,
    tv: TV,
    values: dict[str, Any] | None = None,
    errors: forms.FormErrors | None = None,
) -> Response:
    """The TV: its code, the player's preview, its loop; its forms (``values``
    and ``errors`` of a refused change)."""
    now, session, settings = utcnow(), painel.session, painel.settings
    names = await lookups.condominium_names(
        session, [tv.condominium_id], user=painel.user
    )
    states = await tv_states(painel, [tv])
    return await TV_PAGE(
        painel,
        values or {},
        errors,
        zone=await painel.zone([tv.condominium_id]),
        tv=tv,
        condominium_name=names.get(tv.condominium_id, ""),
        state=states[tv.id],
        player_url=player_url(painel.request, tv.code),
        loop=await loop_preview(session, tv, ratios_of(tv), now=now, settings=settings),
        left_out=await left_out(session, tv, now=now, settings=settings),
    )


@router.get("/{tv_id}/previa.json")
async def preview(
    tv_id: TVId,
    painel: Painel,
    proporcao_avisos: RatioQuery,
    proporcao_anuncios: RatioQuery,
    proporcao_noticias: RatioQuery,
) -> JSONResponse:
    """The loop these proportions would give, computed as the server plays it."""
    tv = await _visible(painel, tv_id)
    tv_service.check_ratios(proporcao_anuncios, proporcao_avisos, proporcao_noticias)
    ratios = Ratios(
        notices=proporcao_avisos, ads=proporcao_anuncios, news=proporcao_noticias
    )
    loop = await loop_preview(
        painel.session, tv, ratios, now=utcnow(), settings=painel.settings
    )
    return JSONResponse(loop.payload(), headers={"Cache-Control": "no-store"})


async def _change_tv(
    painel: PainelRequest,
    tv_id: int,
    change: Callable[[TV, dict[str, Any]], Awaitable[TV]],
    *,
    done: str,
) -> Response:
    """One of the TV page's forms: ``change`` saves it, ``done`` names the flash."""
    tv = await _visible(painel, tv_id)
    values = forms.form_dict(await painel.form())
    return await painel.submit(
        lambda: change(tv, values),
        keep=[tv],
        then=lambda saved: f"/painel/tvs/{saved.id}?ok={done}",
        again=lambda errors: _tv_page(painel, tv, values, errors),
    )


@router.post("/{tv_id}/proporcao")
async def set_ratios(tv_id: TVId, painel: Painel) -> Response:
    async def save(tv: TV, values: dict[str, Any]) -> TV:
        changes = forms.validate(TVRatiosUpdate, forms.integers(values, *RATIO_FIELDS))
        return await tv_service.set_ratios(
            painel.session, tv, changes, user=painel.user
        )

    return await _change_tv(painel, tv_id, save, done="proporcao")


@router.post("/{tv_id}")
async def update_tv(tv_id: TVId, painel: Painel) -> Response:
    async def save(tv: TV, values: dict[str, Any]) -> TV:
        sent = {k: v for k, v in values.items() if k in ("nome", "condominio_id")}
        changes = forms.validate(TVUpdate, sent)
        return await tv_service.update(painel.session, tv, changes, user=painel.user)

    return await _change_tv(painel, tv_id, save, done="tv_salva")


@router.post("/{tv_id}/excluir")
async def delete_tv(tv_id: TVId, painel: Painel) -> Response:
    tv = await _visible(painel, tv_id)
    await tv_service.delete(painel.session, tv, user=painel.user)
    return RedirectResponse("/painel/tvs?ok=tv_excluida", status_code=303)
